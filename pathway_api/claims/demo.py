"""Synthetic Supporting Families claims (never real people), seeded with the pathway's demo.

Four early help families of the workbook's demo (workbook_api/demo.py, numbers 7 to 10) ended
early help ten months ago. Greyfriars (Team North) and Hartwell (Team South) made sustained
progress and were claimed for in the batch of the claim period their result fell in; the
audit sample (seed recorded) drew both, one from each team; the auditor accepted Greyfriars,
and Hartwell still waits for its manager's assurance and the audit. Ingleby is ready and not
yet claimed for. Juniper is not ready: its plan has no SMART target for its housing need.
Each family is seeded once: a rerun changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.ledger.models import AuditDecision, Claim, ClaimBatch, SampledClaim
from pathway_api.claims.ledger.sampling import Candidate, draw
from pathway_api.claims.ledger.schemas import ClaimEvidence, EvidenceCriterion
from pathway_api.claims.ledger.service import period_of, target_outcomes
from pathway_api.claims.readiness.models import ReadinessAnnouncement
from pathway_api.claims.readiness.rule import CRITERIA, add_months
from pathway_api.claims.settings import service as claim_settings
from pathway_api.lifecycle.models import Consent, Involvement, StageChange
from pathway_api.plans.models import Assessment, Review, Target
from services.working_days import local_date

# Copied from workbook_api/demo.py and gateway/directory/demo.py (they own them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
TEAM_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000002")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
SOCIAL_WORKER_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000202")
SUPPORTING_FAMILIES: Final = UUID("d3a0f5e1-0000-4000-8000-000000000911")
CLAIMS_AUDITOR: Final = UUID("d3a0f5e1-0000-4000-8000-000000000912")
SEED: Final = "demo-supporting-families-seed"
# Early help ended this many days ago (the workbook closed the case five days later).
CLOSED_DAYS_AGO: Final = 305
STAGES = (
    ("consent", 415),
    ("assessment", 412),
    ("plan", 405),
    ("do", 400),
    ("review", 310),
    ("closed", CLOSED_DAYS_AGO),
)
REVIEW_DAYS_AGO = (370, 340, 310)


def workbook_demo_id(kind: int, number: int) -> UUID:
    """The workbook's demo ids: kind 1 family, 3 case."""
    return UUID(f"d3a0f5e1-0001-4000-8{kind:03d}-{number:012d}")


def claims_demo_id(number: int) -> UUID:
    return UUID(f"d3a0f5e1-0c1a-4000-8000-{number:012d}")


# Family number: (team, lead, identified areas, areas with a SMART target, claimed).
FAMILIES: Final = {
    7: (TEAM_NORTH, SOCIAL_WORKER_NORTH, ("education", "family_relationships"), None, True),
    8: (TEAM_SOUTH, SOCIAL_WORKER_SOUTH, ("health", "financial_stability"), None, True),
    9: (TEAM_NORTH, SOCIAL_WORKER_NORTH, ("education", "crime"), None, False),
    10: (
        TEAM_NORTH,
        SOCIAL_WORKER_NORTH,
        ("education", "housing", "financial_stability"),
        ("education", "financial_stability"),
        False,
    ),
}


def case_of(number: int) -> UUID:
    return workbook_demo_id(3, number)


class _Family:
    """One family's pathway records under fixed ids, oldest first."""

    def __init__(self, session: AsyncSession, number: int, now: datetime, version: int) -> None:
        self.session, self.number, self.now, self.version = session, number, now, version
        self.team, self.lead, self.areas, targeted, self.claimed = FAMILIES[number]
        self.targeted = targeted or self.areas
        self.case_id = case_of(number)
        self.serial = number * 100

    def next_id(self) -> UUID:
        self.serial += 1
        return claims_demo_id(self.serial)

    def ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)

    def seed(self) -> None:
        previous: str | None = None
        for stage, days in STAGES:
            self.session.add(
                StageChange(
                    id=self.next_id(),
                    case_id=self.case_id,
                    from_stage=previous,
                    to_stage=stage,
                    reason=f"Demo: {stage}",
                    changed_by=self.lead,
                    changed_at=self.ago(days),
                )
            )
            previous = stage
        self.session.add(
            Involvement(
                case_id=self.case_id,
                family_id=workbook_demo_id(1, self.number),
                stage="closed",
                stage_changed_at=self.ago(CLOSED_DAYS_AGO),
                step_up_prompted=False,
                closed_reason="Demo: needs met; the family agreed to end early help.",
                family_informed_on=local_date(self.ago(CLOSED_DAYS_AGO)),
            )
        )
        self.session.add(
            Consent(
                id=self.next_id(),
                case_id=self.case_id,
                person_id=UUID(f"d3a0f5e1-0001-4000-8002-{self.number * 10 + 1:012d}"),
                member_name=f"Demo parent of family {self.number}",
                form="written",
                scopes=["assessment", "plan", "information_sharing"],
                given_on=local_date(self.ago(416)),
                recorded_by=self.lead,
                recorded_at=self.ago(416),
            )
        )
        self.session.add(
            Assessment(
                id=self.next_id(),
                case_id=self.case_id,
                assessment_type="my_plan_plus",
                areas=list(self.areas),
                members_assessed=2,
                dependent_children=True,
                expectant_parent=False,
                summary="Demo: whole-family assessment with every member.",
                configuration_version=self.version,
                completed_by=self.lead,
                completed_at=self.ago(406),
            )
        )
        targets = [self.target(area) for area in self.targeted]
        for days in REVIEW_DAYS_AGO:
            final = days == REVIEW_DAYS_AGO[-1]
            self.session.add(
                Review(
                    id=self.next_id(),
                    case_id=self.case_id,
                    held_on=local_date(self.ago(days)),
                    outcome="needs_met" if final else "continue",
                    progress=[
                        {
                            "target_id": str(target),
                            "progress": "achieved" if final else "on_track",
                            "note": "Demo: seen at the review with the family.",
                        }
                        for target in targets
                    ],
                    summary="Demo: review with the family and the school.",
                    next_review_due=None,
                    recorded_by=self.lead,
                    recorded_at=self.ago(days),
                )
            )

    def target(self, area: str) -> UUID:
        target_id = self.next_id()
        self.session.add(
            Target(
                id=target_id,
                case_id=self.case_id,
                area=area,
                outcome=f"Demo: the family's {area.replace('_', ' ')} need is met",
                measure="Demo: reviewed with the family at each review",
                owner="Demo parent with the lead practitioner",
                due_on=local_date(self.ago(320)),
                created_by=self.lead,
                created_at=self.ago(404),
            )
        )
        return target_id


async def seed_claims_demo(session: AsyncSession, now: datetime, version: int) -> None:
    """Seed the four families and the claims batch once (skipped when already there)."""
    first = case_of(min(FAMILIES))
    if await session.scalar(select(Involvement.case_id).where(Involvement.case_id == first)):
        return
    families = [_Family(session, number, now, version) for number in FAMILIES]
    for family in families:
        family.seed()
    await session.flush()
    closed_on = local_date(now - timedelta(days=CLOSED_DAYS_AGO))
    ready_on = add_months(closed_on, 6)
    start, end = period_of(ready_on, 3)
    if await session.scalar(select(ClaimBatch.id).where(ClaimBatch.period_start == start)):
        # Claims of that period are already gathered in a batch of the council's: the demo's
        # families stay ready to claim rather than change a batch that is not the demo's.
        return
    batch = ClaimBatch(
        id=claims_demo_id(1),
        period_start=start,
        period_end=end,
        status="open",
        created_at=now - timedelta(days=100),
        version=1,
    )
    session.add(batch)
    await session.flush()
    claims = [
        await _claim(session, family, batch, ready_on) for family in families if family.claimed
    ]
    await session.flush()
    drawn = draw(SEED, 10, [Candidate(c.id, c.owning_team_id) for c in claims])
    batch.sample_seed, batch.sample_percent = SEED, 10
    batch.sample_population = sorted(c.id for c in claims)
    batch.sampled_at, batch.sampled_by = now - timedelta(days=60), SUPPORTING_FAMILIES
    for item in drawn:
        session.add(
            SampledClaim(
                batch_id=batch.id,
                claim_id=item.claim_id,
                stratum=item.stratum,
                rank=item.rank,
                sort_key=item.sort_key,
            )
        )
    greyfriars = next(c for c in claims if c.case_id == case_of(7))
    greyfriars.assured_by, greyfriars.assured_at = MANAGER_NORTH, now - timedelta(days=70)
    greyfriars.assurance_note = "Demo: plan, reviews and outcomes checked."
    await session.flush()
    if greyfriars.id in {item.claim_id for item in drawn}:
        greyfriars.status = "accepted"
        session.add(
            AuditDecision(
                id=claims_demo_id(2),
                claim_id=greyfriars.id,
                decision="accepted",
                decided_by=CLAIMS_AUDITOR,
                decided_at=now - timedelta(days=50),
            )
        )
    await session.flush()


async def _claim(
    session: AsyncSession, family: _Family, batch: ClaimBatch, ready_on: date
) -> Claim:
    claimed_at = family.now - timedelta(days=90)
    session.add(
        ReadinessAnnouncement(
            case_id=family.case_id,
            family_id=workbook_demo_id(1, family.number),
            owning_team_id=family.team,
            ready_on=ready_on,
            announced_at=family.now - timedelta(days=95),
        )
    )
    claim = Claim(
        id=claims_demo_id(family.number * 100 + 99),
        case_id=family.case_id,
        family_id=workbook_demo_id(1, family.number),
        owning_team_id=family.team,
        batch_id=batch.id,
        status="claimed",
        # As a claim made through the API records it: every criterion met, each outcome.
        evidence=ClaimEvidence(
            evaluated_on=local_date(claimed_at),
            sustained_until=ready_on,
            criteria=[EvidenceCriterion(code=code, met=True, missing=[]) for code in CRITERIA],
            targets=await target_outcomes(session, family.case_id),
        ).model_dump(mode="json"),
        settings_version=(await claim_settings.current_row(session)).version,
        claimed_by=SUPPORTING_FAMILIES,
        claimed_at=claimed_at,
        version=1,
    )
    session.add(claim)
    return claim
