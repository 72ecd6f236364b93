"""What the family support pathway holds about a family's early help cases, for a subject
access export (services/subject_access/): the involvement and its stages, consent per family
member, levels of need, escalations, assessments, Signs of Safety mappings, plan targets and
reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.levels.models import LevelDecision
from pathway_api.lifecycle.models import Consent, Escalation, Involvement, StageChange
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from services.subject_access.records import SubjectRecord, SubjectSection


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def _record(
    kind: str, record_id: UUID, case_id: UUID, at: datetime, title: str, *parts: tuple[str, str]
) -> SubjectRecord:
    sections = [SubjectSection(label=label, text=text) for label, text in parts if text]
    return SubjectRecord(
        kind=kind,
        record_id=str(record_id),
        case_id=case_id,
        occurred_at=at,
        title=title,
        sections=sections,
    )


async def records_about(session: AsyncSession, case_ids: Sequence[UUID]) -> list[SubjectRecord]:
    """Every pathway record of the cases, by kind, each kind oldest first."""
    records: list[SubjectRecord] = []
    for inv in await session.scalars(select(Involvement).where(Involvement.case_id.in_(case_ids))):
        records.append(
            _record(
                "involvement",
                inv.case_id,
                inv.case_id,
                inv.created_at,
                "Early help involvement",
                ("Stage", inv.stage),
                ("Closed", inv.closed_reason or ""),
            )
        )
    for change in await session.scalars(
        select(StageChange)
        .where(StageChange.case_id.in_(case_ids))
        .order_by(StageChange.changed_at)
    ):
        records.append(
            _record(
                "stage_change",
                change.id,
                change.case_id,
                change.changed_at,
                f"Early help stage: {change.to_stage}",
                ("Reason", change.reason),
            )
        )
    for consent in await session.scalars(
        select(Consent).where(Consent.case_id.in_(case_ids)).order_by(Consent.recorded_at)
    ):
        withdrawn = f"Withdrawn: {consent.withdrawn_reason}" if consent.withdrawn_reason else ""
        records.append(
            _record(
                "consent",
                consent.id,
                consent.case_id,
                _at(consent.given_on),
                "Consent to early help",
                ("Given by", consent.member_name),
                ("Form and scope", f"{consent.form}; {', '.join(consent.scopes)}"),
                ("Withdrawal", withdrawn),
            )
        )
    for level in await session.scalars(
        select(LevelDecision)
        .where(LevelDecision.case_id.in_(case_ids))
        .order_by(LevelDecision.decided_at)
    ):
        records.append(
            _record(
                "level_of_need",
                level.id,
                level.case_id,
                level.decided_at,
                f"Level of need: {level.level_label}",
                ("Reason", level.reason),
                ("Indicators", ", ".join(level.indicators)),
            )
        )
    for escalation in await session.scalars(
        select(Escalation).where(Escalation.case_id.in_(case_ids)).order_by(Escalation.raised_at)
    ):
        records.append(
            _record(
                "escalation",
                escalation.id,
                escalation.case_id,
                escalation.raised_at,
                "Escalation to children's social care",
                ("Worry", escalation.worry),
            )
        )
    for assessment in await session.scalars(
        select(Assessment).where(Assessment.case_id.in_(case_ids)).order_by(Assessment.completed_at)
    ):
        records.append(
            _record(
                "family_assessment",
                assessment.id,
                assessment.case_id,
                assessment.completed_at,
                f"Whole-family assessment ({assessment.assessment_type})",
                ("Summary", assessment.summary),
                ("Areas", ", ".join(assessment.areas)),
            )
        )
    for mapping in await session.scalars(
        select(SafetyMapping)
        .where(SafetyMapping.case_id.in_(case_ids))
        .order_by(SafetyMapping.recorded_at)
    ):
        records.append(
            _record(
                "safety_mapping",
                mapping.id,
                mapping.case_id,
                mapping.recorded_at,
                "Signs of Safety mapping",
                ("What we are worried about", mapping.worries),
                ("What is working well", mapping.working_well),
                ("What needs to happen", mapping.needs_to_happen),
            )
        )
    for target in await session.scalars(
        select(Target).where(Target.case_id.in_(case_ids)).order_by(Target.created_at)
    ):
        records.append(
            _record(
                "plan_target",
                target.id,
                target.case_id,
                target.created_at,
                f"Family plan target ({target.area})",
                ("Outcome", target.outcome),
                ("Measure", target.measure),
                ("Owner", target.owner),
            )
        )
    for review in await session.scalars(
        select(Review).where(Review.case_id.in_(case_ids)).order_by(Review.held_on)
    ):
        records.append(
            _record(
                "plan_review",
                review.id,
                review.case_id,
                _at(review.held_on),
                f"Family plan review ({review.outcome})",
                ("Summary", review.summary),
            )
        )
    return records
