"""The review queue: uncertain person matches, seen and decided by the managers concerned.

A review is visible to managers of the teams it concerns (the family the record was sent for,
and every candidate's family) and to the system of record that sent it. Only a manager
decides, and only over records they may change: linking changes the candidate's record and
creating adds to the family the record was sent for. The decision applies the record through
the same code as an upsert, and it and its reason stay on the review.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal
from workbook_api.access.visibility import SYSTEM_ROLE, visible_family_ids
from workbook_api.external import repository
from workbook_api.external.models import MatchReview
from workbook_api.external.schemas import (
    CandidateRead,
    MatchReviewDecision,
    MatchReviewRead,
    PersonRecord,
)
from workbook_api.external.service.batch import Batch, Keyed, Outcome
from workbook_api.external.service.people import PeopleChunk
from workbook_api.families import repository as families
from workbook_api.families.models import Family, Person
from workbook_api.families.schemas import MemberRead

REVIEW_ORDER = Keyset((MatchReview.created_at, aware_datetime), (MatchReview.id, uuid_value))
_RESOLVED = {"link": "linked", "create": "created", "reject": "rejected"}


def reviews_visible(principal: Principal) -> ColumnElement[bool]:
    """Which reviews exist for the caller: the system of record's, or their teams'."""
    if principal.has_role(SYSTEM_ROLE):
        return true()
    overlap: ColumnElement[bool] = MatchReview.team_ids.overlap(sorted(principal.managed_team_ids))
    return overlap


def require_decider(principal: Principal, review: MatchReview) -> None:
    """Only a manager of a team the review concerns decides it."""
    if principal.managed_team_ids.isdisjoint(review.team_ids):
        raise Forbidden("Only a manager of a team this review concerns decides it.")


def require_reviewer(principal: Principal) -> None:
    """Managers and the system of record read the queue; nobody else has one."""
    if not (principal.has_role(SYSTEM_ROLE) or principal.managed_team_ids):
        raise Forbidden("Only team managers and the system of record see the review queue.")


async def list_reviews(
    session: AsyncSession,
    principal: Principal,
    page: PageRequest,
    *,
    status: str | None,
    import_job_id: UUID | None,
) -> tuple[list[MatchReview], str | None]:
    """A page of the reviews the caller may see, newest first."""
    query = select(MatchReview).where(reviews_visible(principal))
    if status is not None:
        query = query.where(MatchReview.status == status)
    if import_job_id is not None:
        query = query.where(MatchReview.import_job_id == import_job_id)
    rows = list(await session.scalars(REVIEW_ORDER.apply(query, page)))
    return REVIEW_ORDER.page(rows, page, lambda review: (review.created_at, review.id))


async def load_review_or_404(
    session: AsyncSession, principal: Principal, review_id: UUID, *, lock: bool = False
) -> MatchReview:
    """A review the caller may see (locked for a decision when asked)."""
    query = select(MatchReview).where(MatchReview.id == review_id, reviews_visible(principal))
    if lock:
        query = query.with_for_update()
    review = await session.scalar(query)
    if review is None:
        raise NotFound("review")
    return review


async def review_read(
    session: AsyncSession, principal: Principal, review: MatchReview
) -> MatchReviewRead:
    """A review with each candidate shown as far as the caller may see them."""
    ids = [UUID(c["person_id"]) for c in review.candidates]
    shown = {
        person.id: person
        for person in await session.scalars(
            select(Person)
            .where(Person.id.in_(ids), Person.family_id.in_(visible_family_ids(principal)))
            .options(selectinload(Person.identifiers))
        )
    }
    candidates = [
        CandidateRead.model_validate(
            {
                **c,
                "person": MemberRead.of(shown[UUID(c["person_id"])])
                if UUID(c["person_id"]) in shown
                else None,
            }
        )
        for c in review.candidates
    ]
    return MatchReviewRead.of(review, candidates=candidates)


async def _changeable_family(session: AsyncSession, principal: Principal, family_id: UUID) -> None:
    try:
        await families.load_family_to_change(session, principal, family_id)
    except NotFound:
        raise Forbidden("You cannot change that family's record; ask its team's manager.") from None


async def resolve(
    session: AsyncSession, principal: Principal, review: MatchReview, body: MatchReviewDecision
) -> Outcome | None:
    """Apply a manager's decision to a pending review (see `require_decider`); returns what
    was applied."""
    if review.status != "pending":
        raise ProblemError(409, "review-decided", "This review has already been decided.")
    outcome = None
    if body.decision != "reject":
        outcome = await _apply(session, principal, review, body)
    review.status = _RESOLVED[body.decision]
    review.person_id = outcome.record_id if outcome is not None else None
    review.decision_reason = body.reason
    review.resolved_by_practitioner_id = principal.practitioner_id
    review.resolved_at = await transaction_now(session)
    await session.flush()
    return outcome


async def _apply(
    session: AsyncSession, principal: Principal, review: MatchReview, body: MatchReviewDecision
) -> Outcome:
    item = Keyed(
        review.import_row or 0, review.external_id, PersonRecord.model_validate(review.record)
    )
    chunk = PeopleChunk(Batch(session, principal, review.system))
    await chunk.load([item])
    if item.key in chunk.known:
        raise ProblemError(
            409,
            "external-id-in-use",
            "The system of record's id now names a person in the workbook; reject this review.",
        )
    if body.decision == "create":
        await _changeable_family(session, principal, review.family_id)
        outcome = chunk.create(item, review.family_id, skip_held=True)
    else:
        outcome = await _link(session, principal, review, body, chunk, item)
    if outcome.action == "failed":
        error = outcome.errors[0]
        raise ProblemError(error.status, error.code.replace("_", "-"), error.message)
    await chunk.write()
    return outcome


async def _link(
    session: AsyncSession,
    principal: Principal,
    review: MatchReview,
    body: MatchReviewDecision,
    chunk: PeopleChunk,
    item: Keyed[PersonRecord],
) -> Outcome:
    candidates = {UUID(c["person_id"]) for c in review.candidates}
    if body.person_id not in candidates:
        raise invalid("body", "person_id", message="Not one of this review's candidates.")
    assert body.person_id is not None
    loaded = await repository.people_by_id(session, [body.person_id], lock=True)
    if body.person_id not in loaded:
        raise invalid("body", "person_id", message="This person is no longer in the workbook.")
    person, _ = loaded[body.person_id]
    family = await session.get(Family, person.family_id)
    assert family is not None
    await _changeable_family(session, principal, family.id)
    return chunk.link(item, person, review.family_id, "review", decided=True)
