"""Synthetic early help families at each stage of the pathway (never real people).

The workbook's demo holds the cases (workbook_api/demo.py): Fairley asked for help and is
giving consent, Elmstead's plan is under way with a review overdue and a need without a
target, Denholm stepped down from Family Safeguarding to early help, and Brightwell stepped
up from early help to Family Safeguarding after a review found things worse. Their ids are
copied here (units never import each other) and tests/pathway/test_demo.py checks them. Each
family is seeded once: a rerun changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.configuration import service as configuration
from pathway_api.levels.models import LevelDecision
from pathway_api.lifecycle.models import Consent, Escalation, Involvement, StageChange, TafContact
from pathway_api.outcomes.demo import seed_outcomes
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from pathway_api.transfers.models import Transfer
from services.working_days import ENGLAND, local_date

# Copied from workbook_api/demo.py and gateway/directory/demo.py (they own them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")


def workbook_demo_id(kind: int, number: int) -> UUID:
    """The workbook's demo ids: kind 1 family, 2 person, 3 case."""
    return UUID(f"d3a0f5e1-0001-4000-8{kind:03d}-{number:012d}")


def early_help_case(family: int) -> UUID:
    """A demo family's early help case: its main case for Elmstead and Fairley, else 100+n."""
    return workbook_demo_id(3, family if family in (5, 6) else 100 + family)


def pathway_demo_id(number: int) -> UUID:
    return UUID(f"d3a0f5e1-0004-4000-8000-{number:012d}")


class _Seeder:
    """One family's records, added under fixed ids, oldest first."""

    def __init__(self, session: AsyncSession, family: int, version: int, now: datetime) -> None:
        self.session = session
        self.family = family
        self.case_id = early_help_case(family)
        self.family_id = workbook_demo_id(1, family)
        self.version = version
        self.now = now
        self.serial = family * 100

    def next_id(self) -> UUID:
        self.serial += 1
        return pathway_demo_id(self.serial)

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def day(self, days: int) -> date:
        return local_date(self.ago(days))

    def involvement(self, stages: list[tuple[str, int, str]]) -> Involvement:
        previous: str | None = None
        for stage, days, reason in stages:
            self.session.add(
                StageChange(
                    id=self.next_id(),
                    case_id=self.case_id,
                    from_stage=previous,
                    to_stage=stage,
                    reason=reason,
                    changed_by=SOCIAL_WORKER_NORTH,
                    changed_at=self.ago(days),
                )
            )
            previous = stage
        last_stage, last_days, _ = stages[-1]
        involvement = Involvement(
            case_id=self.case_id,
            family_id=self.family_id,
            stage=last_stage,
            stage_changed_at=self.ago(last_days),
            step_up_prompted=False,
        )
        self.session.add(involvement)
        return involvement

    def consent(self, member: int, form: str, scopes: list[str], days: int) -> None:
        self.session.add(
            Consent(
                id=self.next_id(),
                case_id=self.case_id,
                person_id=workbook_demo_id(2, self.family * 10 + member),
                member_name=f"Demo parent of family {self.family}",
                form=form,
                scopes=scopes,
                given_on=self.day(days),
                recorded_by=SOCIAL_WORKER_NORTH,
                recorded_at=self.ago(days),
            )
        )

    def level(self, code: str, label: str, rank: int, indicators: list[str], days: int) -> None:
        self.session.add(
            LevelDecision(
                id=self.next_id(),
                case_id=self.case_id,
                family_id=self.family_id,
                person_id=None,
                configuration_version=self.version,
                level_code=code,
                level_label=label,
                level_rank=rank,
                indicators=indicators,
                reason=f"Demo: {label.lower()} on what the family and school told us.",
                basis="decision",
                decided_by=SOCIAL_WORKER_NORTH,
                decided_at=self.ago(days),
            )
        )

    def assessment(self, areas: list[str], days: int) -> None:
        self.session.add(
            Assessment(
                id=self.next_id(),
                case_id=self.case_id,
                assessment_type="my_plan_plus",
                areas=areas,
                members_assessed=3,
                dependent_children=True,
                expectant_parent=False,
                summary="Demo: whole-family assessment with every member.",
                configuration_version=self.version,
                completed_by=SOCIAL_WORKER_NORTH,
                completed_at=self.ago(days),
            )
        )

    def target(self, area: str, outcome: str, days: int) -> UUID:
        target_id = self.next_id()
        self.session.add(
            Target(
                id=target_id,
                case_id=self.case_id,
                area=area,
                outcome=outcome,
                measure="Demo: reviewed with the family at each review",
                owner="Demo parent with the lead practitioner",
                due_on=self.day(days - 90),
                created_by=SOCIAL_WORKER_NORTH,
                created_at=self.ago(days),
            )
        )
        return target_id

    def transfer(self, direction: str, from_case: UUID, days: int, picture: str) -> None:
        self.session.add(
            Transfer(
                id=self.next_id(),
                case_id=from_case,
                family_id=self.family_id,
                direction=direction,
                sending_team_id=TEAM_NORTH,
                receiving_team_id=TEAM_NORTH,
                reason=f"Demo: {direction.replace('_', ' ')} agreed by both teams.",
                current_picture=picture,
                status="accepted",
                meeting_held_on=self.day(days + 1),
                meeting_notes="Demo: transfer meeting with the family and both teams.",
                requested_by=SOCIAL_WORKER_NORTH,
                requested_at=self.ago(days + 3),
                accepted_by=MANAGER_NORTH,
                accepted_at=self.ago(days),
            )
        )


LEVEL_EARLY_HELP = ("early_help", "Level 2: Early help (single agency, My Plan)", 2)
LEVEL_TARGETED = ("targeted", "Level 3: Targeted early help (My Plan+, Team Around the Family)", 3)
LEVEL_SPECIALIST = ("specialist", "Level 4: Specialist (statutory social care)", 4)


async def _fairley(seed: _Seeder) -> None:
    """Identified by the health visitor; the father is giving consent."""
    seed.involvement([("consent", 2, "Demo: health visitor's concern discussed with dad")])
    seed.consent(1, "verbal", ["assessment"], 1)
    seed.level(*LEVEL_EARLY_HELP, ["emerging_need"], 2)


async def _elmstead(seed: _Seeder) -> None:
    """A plan under way: one review held, the next overdue, financial stability untargeted."""
    involvement = seed.involvement(
        [
            ("consent", 80, "Demo: school raised attendance"),
            ("assessment", 78, "Demo: mum agreed to an assessment"),
            ("plan", 70, "Demo: assessment complete"),
            ("do", 68, "Demo: plan agreed at the first TAF meeting"),
        ]
    )
    seed.consent(1, "written", ["assessment", "plan", "information_sharing"], 79)
    seed.level(*LEVEL_EARLY_HELP, ["attendance_concern"], 80)
    for days, workers, family in ((75, 4, 6), (40, 6, 8)):
        seed.session.add(
            SafetyMapping(
                id=seed.next_id(),
                case_id=seed.case_id,
                worries="Demo: damp flat; Theo missing school on Mondays.",
                working_well="Demo: Robin asks for help and Gran helps at weekends.",
                needs_to_happen="Demo: repairs, and a morning routine for school.",
                workers_judgement=workers,
                family_judgement=family,
                recorded_by=SOCIAL_WORKER_NORTH,
                recorded_at=seed.ago(days),
            )
        )
    seed.level(*LEVEL_TARGETED, ["multiple_needs"], 70)
    seed.assessment(["education", "housing", "financial_stability"], 70)
    first = seed.target("education", "Theo attends over 90% of sessions", 69)
    second = seed.target("housing", "The family's damp is repaired or they move", 69)
    seed.session.add(
        TafContact(
            id=seed.next_id(),
            case_id=seed.case_id,
            name="Demo SENCO",
            agency="Demo Primary School",
            role="Special educational needs co-ordinator",
            added_by=SOCIAL_WORKER_NORTH,
            added_at=seed.ago(68),
        )
    )
    held = seed.day(40)
    seed.session.add(
        Review(
            id=seed.next_id(),
            case_id=seed.case_id,
            held_on=held,
            outcome="continue",
            progress=[
                {"target_id": str(first), "progress": "on_track", "note": None},
                {"target_id": str(second), "progress": "some_progress", "note": None},
            ],
            summary="Demo: attendance up; landlord contacted.",
            next_review_due=ENGLAND.add(held, 20),
            recorded_by=SOCIAL_WORKER_NORTH,
            recorded_at=seed.ago(40),
        )
    )
    # Twenty working days after the review: overdue by now.
    involvement.next_review_due = ENGLAND.add(held, 20)


async def _denholm(seed: _Seeder) -> None:
    """Stepped down from Family Safeguarding: early help planning with the family."""
    seed.involvement(
        [
            ("consent", 30, "Demo: stepped down; dad agreed to early help"),
            ("assessment", 29, "Demo: consent given"),
            ("plan", 25, "Demo: assessment complete"),
        ]
    )
    seed.consent(1, "written", ["assessment", "plan", "information_sharing"], 30)
    seed.level(*LEVEL_SPECIALIST, ["child_in_need"], 95)
    seed.level(*LEVEL_TARGETED, ["multiple_needs"], 30)
    seed.assessment(["family_relationships", "health"], 25)
    seed.target("family_relationships", "Dad completes the parenting programme", 24)
    # From the statutory case (workbook demo case 4) that closed when early help took over.
    seed.transfer(
        "step_down", workbook_demo_id(3, 4), 31, "Demo: plan completed; support still needed."
    )


async def _brightwell(seed: _Seeder) -> None:
    """Stepped up: a review found things worse, an escalation, and early help closed."""
    involvement = seed.involvement(
        [
            ("consent", 118, "Demo: GP and school asked for family support"),
            ("assessment", 115, "Demo: parents agreed"),
            ("plan", 105, "Demo: assessment complete"),
            ("do", 100, "Demo: plan agreed"),
            ("review", 50, "Demo: review: deterioration"),
            ("closed", 45, "Demo: stepped up to Family Safeguarding"),
        ]
    )
    seed.transfer(
        "step_up", seed.case_id, 45, "Demo: mum's mental health worse; children missing school."
    )
    involvement.closed_reason = "Demo: stepped up to Family Safeguarding after a review."
    involvement.family_informed_on = seed.day(45)
    seed.consent(1, "written", ["assessment", "plan", "information_sharing"], 118)
    seed.level(*LEVEL_TARGETED, ["parental_mental_health", "substance_use"], 110)
    seed.assessment(["health", "substance_use", "education"], 105)
    seed.session.add(
        Escalation(
            id=seed.next_id(),
            case_id=seed.case_id,
            worry="Demo: a worry of significant harm raised after the review.",
            raised_by=SOCIAL_WORKER_NORTH,
            raised_at=seed.ago(48),
            referral_decision_due=ENGLAND.deadline(seed.ago(48), 1),
        )
    )
    seed.session.add(
        LevelDecision(
            id=seed.next_id(),
            case_id=seed.case_id,
            family_id=seed.family_id,
            person_id=None,
            configuration_version=seed.version,
            level_code=LEVEL_SPECIALIST[0],
            level_label=LEVEL_SPECIALIST[1],
            level_rank=LEVEL_SPECIALIST[2],
            indicators=["significant_harm"],
            reason="Demo: escalated to child protection.",
            basis="escalation",
            decided_by=SOCIAL_WORKER_NORTH,
            decided_at=seed.ago(48),
        )
    )


FAMILIES = ((6, _fairley), (5, _elmstead), (4, _denholm), (2, _brightwell))


async def seed_demo(session: AsyncSession) -> None:
    """Seed each demo family's pathway once (the configuration's defaults become version 1)."""
    version = (await configuration.current_row(session)).version
    now = datetime.now(UTC)
    for family, seed in FAMILIES:
        case_id = early_help_case(family)
        if await session.scalar(select(Involvement.case_id).where(Involvement.case_id == case_id)):
            continue
        await seed(_Seeder(session, family, version, now))
        await session.flush()
    # Imported here: the claims' demo reads the pathway's models through their own packages.
    from pathway_api.claims.demo import seed_claims_demo

    await seed_claims_demo(session, now, version)
    await seed_outcomes(session)
