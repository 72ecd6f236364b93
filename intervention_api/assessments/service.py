"""Parenting assessments: start, edit a draft, submit, return, sign off, supersede, read.

The lifecycle: a version is a draft its case's workers edit; submitted, it waits for a manager,
who signs it off or returns it to draft with comments (kept in its history). A signed-off
version never changes (the database refuses it too); a new version starts as a copy of it and
supersedes it once signed off in its turn, and both stay readable. Every change bumps the
version's row version, so one ETag covers its sections and evidence.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments import evidence, repository
from intervention_api.assessments.dependencies import AssessmentTarget
from intervention_api.assessments.events import publish_signed_off
from intervention_api.assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentSection,
    AssessmentTransition,
)
from intervention_api.assessments.schemas import (
    AssessmentCreate,
    AssessmentOut,
    AssessmentSummary,
    AssessmentUpdate,
    EvidenceOut,
    SectionOut,
    TransitionOut,
)
from intervention_api.assessments.sections import DEFAULT_SECTIONS
from services.clock import transaction_now
from services.errors import FieldError, Forbidden, ProblemError, ValidationProblem
from services.pagination import PageRequest
from services.principal import Principal
from services.projection import ProjectedCase
from services.registry import WORKBOOK
from services.unit_calls import AsCaller


def _conflict(slug: str, detail: str) -> ProblemError:
    return ProblemError(409, slug, detail)


def _require_status(assessment: Assessment, status: str, doing: str) -> None:
    if assessment.status != status:
        raise _conflict(
            "assessment-state",
            f"Only a {status.replace('_', ' ')} assessment can be {doing}; "
            f"this one is {assessment.status.replace('_', ' ')}.",
        )


async def _record(
    session: AsyncSession,
    assessment: Assessment,
    action: str,
    actor: Principal,
    comment: str | None = None,
) -> None:
    now = await transaction_now(session)
    session.add(
        AssessmentTransition(
            assessment_id=assessment.id,
            action=action,
            actor_id=actor.practitioner_id,
            actor_name=actor.display_name,
            at=now,
            comment=comment,
        )
    )


async def start(session: AsyncSession, case: ProjectedCase, body: AssessmentCreate) -> Assessment:
    """A case's new assessment: its first version, a draft with empty sections."""
    now = await transaction_now(session)
    author = case.principal
    assessment_id = uuid4()
    assessment = Assessment(
        id=assessment_id,
        series_id=assessment_id,
        number=1,
        case_id=case.id,
        title=body.title,
        status="draft",
        author_id=author.practitioner_id,
        author_name=author.display_name,
        created_at=now,
        updated_at=now,
    )
    session.add(assessment)
    await session.flush()
    sections = body.sections if body.sections is not None else DEFAULT_SECTIONS
    for position, (key, heading) in enumerate(sections.items()):
        session.add(
            AssessmentSection(
                assessment_id=assessment.id, position=position, key=key, heading=heading
            )
        )
    await session.flush()
    return assessment


async def update(
    session: AsyncSession, target: AssessmentTarget, body: AssessmentUpdate, calls: AsCaller
) -> list[str]:
    """Apply changes to a draft's title and sections; what changed (`title`, section keys).

    Evidence newly linked is checked with the workbook as the caller; evidence the section
    already had is kept as linked (its label and who linked it).
    """
    assessment = target.assessment
    _require_status(assessment, "draft", "edited")
    changes = body.sections or {}
    sections = {s.key: s for s in await repository.sections_of(session, assessment.id)}
    unknown = [key for key in changes if key not in sections]
    if unknown:
        raise ValidationProblem(
            [
                FieldError(
                    ("body", "sections", key),
                    "No such section in this assessment.",
                    "unknown_section",
                )
                for key in unknown
            ]
        )
    held = await repository.evidence_of(session, [sections[key].id for key in changes])
    held_by_section: dict[UUID, dict[tuple[str, UUID], AssessmentEvidence]] = {}
    for item in held:
        held_by_section.setdefault(item.section_id, {})[(item.kind, item.ref_id)] = item
    wanted: list[evidence.Wanted] = []
    for key, change in changes.items():
        have = held_by_section.get(sections[key].id, {})
        for index, ref in enumerate(change.evidence or []):
            if (ref.kind, ref.ref_id) not in have:
                location = ("body", "sections", key, "evidence", str(index), "ref_id")
                wanted.append(evidence.Wanted(ref.kind, ref.ref_id, location))
    checked, errors = await evidence.check(calls, session, target.case, wanted)
    if errors:
        raise ValidationProblem(errors)
    now = await transaction_now(session)
    me = target.case.principal.practitioner_id
    if body.title is not None:
        assessment.title = body.title
    for key, change in changes.items():
        section = sections[key]
        if "analysis" in change.model_fields_set:
            section.analysis = change.analysis
        if change.evidence is None:
            continue
        # What was linked before keeps its label and who linked it, when.
        linked = {
            ref: (item.label, item.occurred_at, item.linked_by_id, item.linked_at)
            for ref, item in held_by_section.get(section.id, {}).items()
        }
        await session.execute(
            delete(AssessmentEvidence).where(AssessmentEvidence.section_id == section.id)
        )
        for position, ref in enumerate(change.evidence):
            kept = linked.get((ref.kind, ref.ref_id))
            if kept is None:
                record = checked[(ref.kind, ref.ref_id)]
                kept = (record.label, record.occurred_at, me, now)
            label, occurred_at, linked_by_id, linked_at = kept
            session.add(
                AssessmentEvidence(
                    section_id=section.id,
                    position=position,
                    kind=ref.kind,
                    ref_id=ref.ref_id,
                    label=label,
                    occurred_at=occurred_at,
                    linked_by_id=linked_by_id,
                    linked_at=linked_at,
                )
            )
    assessment.updated_at = now
    await session.flush()
    return (["title"] if body.title is not None else []) + list(changes)


async def _require_current_evidence(
    session: AsyncSession, target: AssessmentTarget, calls: AsCaller
) -> None:
    """Refuse to go on while any evidence is withdrawn or out of the caller's sight."""
    assessment = target.assessment
    sections = await repository.sections_of(session, assessment.id)
    keys = {s.id: s.key for s in sections}
    held = await repository.evidence_of(session, list(keys))
    linked = [(keys[item.section_id], item.kind, item.ref_id) for item in held]
    stale = await evidence.still_current(calls, session, target.case, linked)
    if stale:
        raise ProblemError(
            409,
            "evidence-not-current",
            "Some evidence is no longer a final entry or a session you may read (withdrawn as "
            "entered in error, say); take it out of its section or link what replaced it.",
            evidence=[
                {"section": s.section, "kind": s.kind, "ref_id": str(s.ref_id), "code": s.code}
                for s in stale
            ],
        )


async def submit(session: AsyncSession, target: AssessmentTarget, calls: AsCaller) -> None:
    """Send a draft to the team's managers; every section needs its analysis first, and its
    evidence must still be final entries the author may read."""
    assessment = target.assessment
    _require_status(assessment, "draft", "submitted")
    sections = await repository.sections_of(session, assessment.id)
    missing = [s.key for s in sections if not (s.analysis or "").strip()]
    if missing:
        raise ProblemError(
            409,
            "assessment-incomplete",
            "Every section needs its analysis before the assessment is submitted.",
            sections=missing,
        )
    await _require_current_evidence(session, target, calls)
    now = await transaction_now(session)
    assessment.status, assessment.submitted_at, assessment.updated_at = "submitted", now, now
    await _record(session, assessment, "submitted", target.case.principal)
    await session.flush()


async def return_to_author(session: AsyncSession, target: AssessmentTarget, comments: str) -> None:
    """A manager sends a submitted version back to draft, saying what to address."""
    assessment = target.assessment
    _require_status(assessment, "submitted", "returned")
    now = await transaction_now(session)
    assessment.status, assessment.submitted_at, assessment.updated_at = "draft", None, now
    await _record(session, assessment, "returned", target.case.principal, comments)
    await session.flush()


async def sign_off(
    session: AsyncSession, target: AssessmentTarget, comment: str | None, calls: AsCaller
) -> None:
    """A manager signs a submitted version off: it is final, and on the case's chronology.

    Its evidence is checked once more, as the manager: nothing withdrawn since submission goes
    into a signed-off version. The previous version it supersedes is marked so in the same
    transaction.
    """
    assessment, manager = target.assessment, target.case.principal
    _require_status(assessment, "submitted", "signed off")
    if assessment.author_id == manager.practitioner_id:
        raise Forbidden("An assessment is signed off by a manager other than its author.")
    await _require_current_evidence(session, target, calls)
    now = await transaction_now(session)
    assessment.status, assessment.updated_at = "signed_off", now
    assessment.signed_off_at, assessment.signed_off_by_id = now, manager.practitioner_id
    assessment.signed_off_by_name, assessment.sign_off_comment = manager.display_name, comment
    await _record(session, assessment, "signed_off", manager, comment)
    if assessment.supersedes_id is not None:
        previous = await session.get(Assessment, assessment.supersedes_id, with_for_update=True)
        assert previous is not None  # a foreign key
        previous.superseded_at = now
        await _record(session, previous, "superseded", manager)
    await session.flush()
    await publish_signed_off(session, assessment, target.case.owning_team_id)


async def new_version(session: AsyncSession, target: AssessmentTarget) -> Assessment:
    """A draft that will supersede a signed-off version: its sections and evidence, copied."""
    previous = target.assessment
    _require_status(previous, "signed_off", "revised")
    if previous.superseded_at is not None or await repository.successor_id(session, previous.id):
        raise _conflict(
            "assessment-superseded",
            "This version already has a newer one; revise the latest version instead.",
        )
    now = await transaction_now(session)
    author = target.case.principal
    assessment = Assessment(
        id=uuid4(),
        series_id=previous.series_id,
        number=previous.number + 1,
        case_id=previous.case_id,
        title=previous.title,
        status="draft",
        supersedes_id=previous.id,
        author_id=author.practitioner_id,
        author_name=author.display_name,
        created_at=now,
        updated_at=now,
    )
    session.add(assessment)
    await session.flush()
    sections = await repository.sections_of(session, previous.id)
    held = await repository.evidence_of(session, [s.id for s in sections])
    copies: dict[UUID, UUID] = {}
    for section in sections:
        copy = AssessmentSection(
            id=uuid4(),
            assessment_id=assessment.id,
            position=section.position,
            key=section.key,
            heading=section.heading,
            analysis=section.analysis,
        )
        copies[section.id] = copy.id
        session.add(copy)
    await session.flush()
    for item in held:
        session.add(
            AssessmentEvidence(
                section_id=copies[item.section_id],
                position=item.position,
                kind=item.kind,
                ref_id=item.ref_id,
                label=item.label,
                occurred_at=item.occurred_at,
                linked_by_id=item.linked_by_id,
                linked_at=item.linked_at,
            )
        )
    await session.flush()
    return assessment


async def view(session: AsyncSession, assessment: Assessment) -> AssessmentOut:
    """A version whole: sections with evidence, its history and its successor."""
    sections = await repository.sections_of(session, assessment.id)
    held = await repository.evidence_of(session, [s.id for s in sections])
    by_section: dict[UUID, list[EvidenceOut]] = {}
    for item in held:
        by_section.setdefault(item.section_id, []).append(EvidenceOut.of(item))
    transitions = await repository.transitions_of(session, assessment.id)
    return AssessmentOut.of(
        assessment,
        superseded_by_id=await repository.successor_id(session, assessment.id),
        sections=[SectionOut.of(s, evidence=by_section.get(s.id, [])) for s in sections],
        transitions=[TransitionOut.of(t) for t in transitions],
    )


async def list_versions(
    session: AsyncSession,
    principal: Principal,
    case_id: UUID | None,
    status: str | None,
    page: PageRequest,
) -> tuple[list[AssessmentSummary], str | None]:
    """A page of the versions the caller may see, newest first."""
    rows, cursor = await repository.list_visible(session, principal, case_id, status, page)
    return [AssessmentSummary.of(a, superseded_by_id=s) for a, s in rows], cursor


async def family_name(calls: AsCaller, case_id: UUID) -> str | None:
    """The case's family name as the workbook tells the caller (None when it does not)."""
    answer = await calls.get(WORKBOOK, f"/cases/{case_id}")
    name = answer.body.get("family_name") if answer.ok and isinstance(answer.body, dict) else None
    return name if isinstance(name, str) and name.strip() else None
