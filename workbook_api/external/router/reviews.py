"""The review queue: person records whose match is uncertain, for a manager to decide."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Path, Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import IfMatch, check_if_match, set_etag
from services.errors import Forbidden, raises
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.external.models import MatchReview
from workbook_api.external.schemas import MatchReviewDecision, MatchReviewRead, ReviewStatus
from workbook_api.external.service import reviews

router = kit_router(tags=["system of record"])
ReviewId = Annotated[UUID, Path(description="The review")]


@raises(403)
async def reviewer(principal: CurrentPrincipal) -> Principal:
    """A team manager, or the system of record."""
    reviews.require_reviewer(principal)
    return principal


Reviewer = Annotated[Principal, Depends(reviewer)]


@raises(404)
async def visible_review(
    review_id: ReviewId, principal: Reviewer, session: DbSession
) -> MatchReview:
    """A review the caller may see."""
    return await reviews.load_review_or_404(session, principal, review_id)


@raises(403)
async def decider(principal: Reviewer) -> Principal:
    """A team manager: the system of record sends records, it does not decide about them."""
    if not principal.managed_team_ids:
        raise Forbidden("Only a team manager decides a review.")
    return principal


@raises(403, 404, 412, 428)
async def review_to_decide(
    review_id: ReviewId,
    principal: Annotated[Principal, Depends(decider)],
    session: DbSession,
    if_match: IfMatch = None,
) -> MatchReview:
    """A review the caller manages, locked, as of the version they last read."""
    review = await reviews.load_review_or_404(session, principal, review_id, lock=True)
    reviews.require_decider(principal, review)
    check_if_match(if_match, review.id, review.version)
    return review


@router.get("/match-reviews", summary="List person matches waiting for a decision")
@audited("list", "match_review", resource="")
async def list_match_reviews(
    principal: Reviewer,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    status: Annotated[ReviewStatus | None, Query(description="Default: pending")] = "pending",
    import_id: Annotated[UUID | None, Query(description="Only those this import raised")] = None,
) -> Page[MatchReviewRead]:
    """List the reviews of the teams you manage (all of them for the system of record)."""
    found, next_cursor = await reviews.list_reviews(
        session, principal, page, status=status, import_job_id=import_id
    )
    note.details["count"] = len(found)
    return Page[MatchReviewRead](
        items=[await reviews.review_read(session, principal, r) for r in found],
        next_cursor=next_cursor,
    )


@router.get("/match-reviews/{review_id}", summary="Read a person match review")
@audited("read", "match_review")
async def get_match_review(
    review: Annotated[MatchReview, Depends(visible_review)],
    principal: Reviewer,
    session: DbSession,
    response: Response,
) -> MatchReviewRead:
    """Read a review: the incoming record and each candidate as far as you may see them."""
    set_etag(response, review.id, review.version)
    return await reviews.review_read(session, principal, review)


@router.post("/match-reviews/{review_id}/resolve", summary="Decide a person match review")
@audited("resolve", "match_review")
@raises(403, 409)
async def resolve_match_review(
    body: MatchReviewDecision,
    review: Annotated[MatchReview, Depends(review_to_decide)],
    principal: Reviewer,
    session: DbSession,
    response: Response,
    note: Audit,
) -> MatchReviewRead:
    """Link the record to a candidate, create a new person from it, or reject it, with a
    reason (If-Match); the decision and who made it stay on the review."""
    note.details["decision"] = body.decision
    outcome = await reviews.resolve(session, principal, review, body)
    if outcome is not None:
        note.details["person_id"] = str(outcome.record_id)
        if outcome.withheld:
            note.details["withheld"] = outcome.withheld
    set_etag(response, review.id, review.version)
    return await reviews.review_read(session, principal, review)


Decision = Literal["link", "create", "reject"]
