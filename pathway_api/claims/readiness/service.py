"""Readiness of one family or of a team's closed families, and announcing newly ready ones.

Readiness is evaluated on read with the transaction's date, never stored as a verdict: the
sustain period ends on a date, so the answer is right on the day it ends with nothing to
re-run, and a relapse recorded during the period shows at once. What must happen once (the
`claim ready` event and its chronology item) is done by `announce_ready`, which the unit's
background sweep (`sweep.py`) runs periodically over closed involvements not yet announced, and
which claiming runs too, so a claim is never announced before its family was found ready.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.events import announce
from pathway_api.claims.ledger import repository as ledger
from pathway_api.claims.readiness import repository
from pathway_api.claims.readiness.models import ReadinessAnnouncement
from pathway_api.claims.readiness.rule import Readiness, Settings, Snapshot, evaluate
from pathway_api.claims.readiness.schemas import CriterionRead, ReadinessRead
from pathway_api.claims.settings import service as claim_settings
from pathway_api.configuration import service as configuration
from services.clock import transaction_now
from services.event_contracts import PATHWAY_CLAIM_READY, ClaimReady
from services.working_days import local_date

# How long after a sustain period ends the sweep keeps looking at a family not yet ready.
LOOK_BACK_DAYS = 365


class Judge:
    """The rule with the settings and configuration in force, for one transaction."""

    def __init__(self, settings: Settings, settings_version: int, configuration_version: int):
        self.settings = settings
        self.settings_version = settings_version
        self.configuration_version = configuration_version

    @classmethod
    async def in_force(cls, session: AsyncSession) -> Judge:
        rules = await claim_settings.current(session)
        continuum = await configuration.current(session)
        settings = Settings(
            review_interval_working_days=continuum.review_interval_working_days,
            sustain_months=rules.sustain_months,
        )
        return cls(settings, rules.version, continuum.version)

    def read(self, snapshot: Snapshot, claim_id: UUID | None) -> ReadinessRead:
        verdict = evaluate(snapshot, self.settings)
        return ReadinessRead(
            case_id=snapshot.case_id,
            family_id=snapshot.family_id,
            owning_team_id=snapshot.owning_team_id,
            ready=verdict.ready,
            criteria=[CriterionRead.of(c, missing=list(c.missing)) for c in verdict.criteria],
            closed_on=snapshot.closed_on,
            sustained_until=verdict.sustained_until,
            evaluated_on=verdict.evaluated_on,
            settings_version=self.settings_version,
            configuration_version=self.configuration_version,
            claim_id=claim_id,
        )


async def today(session: AsyncSession) -> date:
    return local_date(await transaction_now(session))


async def snapshot_of(session: AsyncSession, case_id: UUID) -> Snapshot | None:
    found = await repository.snapshots(session, [case_id], await today(session))
    return found.get(case_id)


async def of_case(session: AsyncSession, case_id: UUID) -> ReadinessRead | None:
    """One family's readiness now (None when the pathway does not know the case)."""
    snapshot = await snapshot_of(session, case_id)
    if snapshot is None:
        return None
    claims = await ledger.live_claims_for(session, [case_id])
    return (await Judge.in_force(session)).read(snapshot, claims.get(case_id))


async def of_closed(
    session: AsyncSession,
    in_claims: ColumnElement[bool],
    *,
    ready: bool | None,
    limit: int,
) -> list[ReadinessRead]:
    """Closed families in the caller's claims work, most recently closed first."""
    ids = await repository.closed_case_ids(session, in_claims, limit=limit)
    found = await repository.snapshots(session, ids, await today(session))
    judge = await Judge.in_force(session)
    claims = await ledger.live_claims_for(session, ids)
    reads = [judge.read(found[case_id], claims.get(case_id)) for case_id in ids if case_id in found]
    return [read for read in reads if ready is None or read.ready is ready]


async def announce_if_ready(session: AsyncSession, verdict: Readiness, snapshot: Snapshot) -> bool:
    """Announce a ready family once: the event and its chronology item; True when announced now."""
    if not verdict.ready or await repository.announced(session, snapshot.case_id):
        return False
    ready_on = verdict.evaluated_on
    session.add(
        ReadinessAnnouncement(
            case_id=snapshot.case_id,
            family_id=snapshot.family_id,
            owning_team_id=snapshot.owning_team_id,
            ready_on=ready_on,
            announced_at=await transaction_now(session),
        )
    )
    await session.flush()
    await announce(
        session,
        PATHWAY_CLAIM_READY,
        ClaimReady(
            case_id=snapshot.case_id,
            family_id=snapshot.family_id,
            owning_team_id=snapshot.owning_team_id,
            ready_on=ready_on,
        ),
        case_id=snapshot.case_id,
        team_id=snapshot.owning_team_id,
        subject=f"cases/{snapshot.case_id}/claim-readiness",
        title="Supporting Families: the family's progress is sustained, ready to claim",
    )
    return True


async def announce_ready(session: AsyncSession) -> int:
    """Announce every closed family newly ready today; how many were."""
    judge = await Judge.in_force(session)
    now = await transaction_now(session)
    # Nothing closed within the sustain period (months of 28 days at the shortest) can be ready
    # yet; a family still not ready a year after its period ended is left to be read on request
    # (and announced when claimed), so the sweep does not grow with every family ever closed.
    months = judge.settings.sustain_months
    closed_before = now - timedelta(days=28 * months)
    closed_after = now - timedelta(days=31 * months + LOOK_BACK_DAYS)
    ids = await repository.unannounced_closed(session, closed_after, closed_before)
    found = await repository.snapshots(session, ids, local_date(now))
    count = 0
    for snapshot in found.values():
        if await announce_if_ready(session, evaluate(snapshot, judge.settings), snapshot):
            count += 1
    return count
