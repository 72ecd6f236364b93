"""Synthetic demo practitioners and teams (never real people), with fixed ids for other demos.

Other services' demo data allocate these practitioners to demo cases, so their ids are stable
constants. Get a token for one with `fsm token --sub <subject>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import events
from gateway.directory.models import Practitioner, Team, TeamMembership

DEMO_TEAM_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
DEMO_TEAM_SOUTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000002")

DEMO_TEAM_MANAGER_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
DEMO_SOCIAL_WORKER_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
DEMO_DA_VICTIM_WORKER_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000103")
DEMO_RECOVERY_WORKER_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000104")
DEMO_MENTAL_HEALTH_NORTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")
DEMO_TEAM_MANAGER_SOUTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000201")
DEMO_SOCIAL_WORKER_SOUTH_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000202")
DEMO_ADMINISTRATOR_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000901")
DEMO_SYSTEM_OF_RECORD_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000902")
DEMO_DATA_PROTECTION_OFFICER_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000903")
DEMO_SUPPORTING_FAMILIES_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000911")
DEMO_CLAIMS_AUDITOR_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000912")


@dataclass(frozen=True)
class DemoTeam:
    """A synthetic team."""

    id: UUID
    name: str
    code: str


@dataclass(frozen=True)
class DemoPractitioner:
    """A synthetic practitioner and the team they sit in (if any)."""

    id: UUID
    subject: str
    display_name: str
    discipline: str
    roles: tuple[str, ...]
    team_id: UUID | None
    role_in_team: str = "member"

    @property
    def membership_id(self) -> UUID:
        """The fixed id of this practitioner's demo membership."""
        return UUID(int=self.id.int ^ 0xF00)


DEMO_TEAMS: Final = (
    DemoTeam(DEMO_TEAM_NORTH_ID, "Demo Team North", "DEMO-N"),
    DemoTeam(DEMO_TEAM_SOUTH_ID, "Demo Team South", "DEMO-S"),
)

_PRACTITIONER: Final = ("practitioner",)
_MANAGER: Final = ("practitioner", "team_manager")

DEMO_PRACTITIONERS: Final = (
    DemoPractitioner(
        DEMO_TEAM_MANAGER_NORTH_ID,
        "demo-team-manager-north",
        "Demo Team Manager (Team North)",
        "team_manager",
        _MANAGER,
        DEMO_TEAM_NORTH_ID,
        "manager",
    ),
    DemoPractitioner(
        DEMO_SOCIAL_WORKER_NORTH_ID,
        "demo-social-worker-north",
        "Demo Social Worker (Team North)",
        "social_worker",
        _PRACTITIONER,
        DEMO_TEAM_NORTH_ID,
    ),
    DemoPractitioner(
        DEMO_DA_VICTIM_WORKER_NORTH_ID,
        "demo-da-victim-worker-north",
        "Demo DA Victim Worker (Team North)",
        "da_victim_worker",
        _PRACTITIONER,
        DEMO_TEAM_NORTH_ID,
    ),
    DemoPractitioner(
        DEMO_RECOVERY_WORKER_NORTH_ID,
        "demo-recovery-worker-north",
        "Demo Recovery Worker (Team North)",
        "recovery_worker",
        _PRACTITIONER,
        DEMO_TEAM_NORTH_ID,
    ),
    DemoPractitioner(
        DEMO_MENTAL_HEALTH_NORTH_ID,
        "demo-mental-health-north",
        "Demo Mental Health Practitioner (Team North)",
        "mental_health_practitioner",
        _PRACTITIONER,
        DEMO_TEAM_NORTH_ID,
    ),
    DemoPractitioner(
        DEMO_TEAM_MANAGER_SOUTH_ID,
        "demo-team-manager-south",
        "Demo Team Manager (Team South)",
        "team_manager",
        _MANAGER,
        DEMO_TEAM_SOUTH_ID,
        "manager",
    ),
    DemoPractitioner(
        DEMO_SOCIAL_WORKER_SOUTH_ID,
        "demo-social-worker-south",
        "Demo Social Worker (Team South)",
        "social_worker",
        _PRACTITIONER,
        DEMO_TEAM_SOUTH_ID,
    ),
    DemoPractitioner(
        DEMO_ADMINISTRATOR_ID,
        "demo-administrator",
        "Demo Directory Administrator",
        "business_support",
        ("administrator",),
        None,
    ),
    # The council's system of record (the `system` role): upserts by its own ids, imports,
    # and the change feed of every case.
    DemoPractitioner(
        DEMO_SYSTEM_OF_RECORD_ID,
        "demo-system-of-record",
        "Demo System of Record (Mosaic integration)",
        "business_support",
        ("system",),
        None,
    ),
    # The council's data protection officer (the `dpo` role, no team): reads every unit's
    # access log and governs retention; never reads a case record itself.
    DemoPractitioner(
        DEMO_DATA_PROTECTION_OFFICER_ID,
        "demo-dpo",
        "Demo Data Protection Officer",
        "business_support",
        ("dpo",),
        None,
    ),
    # The council's Supporting Families team (the `supporting_families` role, no team): claims
    # for every team's families, every team's outcome figures and the council's report, and
    # data-matching returns; and an auditor who checks the claims drawn for audit.
    DemoPractitioner(
        DEMO_SUPPORTING_FAMILIES_ID,
        "demo-supporting-families",
        "Demo Supporting Families Officer",
        "business_support",
        ("supporting_families",),
        None,
    ),
    DemoPractitioner(
        DEMO_CLAIMS_AUDITOR_ID,
        "demo-claims-auditor",
        "Demo Claims Auditor",
        "business_support",
        ("auditor",),
        None,
    ),
)

# Subject → who it is, for `fsm run` and `fsm token` to list.
DEMO_SUBJECTS: Final = {p.subject: p.display_name for p in DEMO_PRACTITIONERS}


async def seed_demo(session: AsyncSession) -> None:
    """Insert or refresh the demo teams, practitioners and memberships (idempotent)."""
    team_rows = [
        {"id": t.id, "name": t.name, "code": t.code, "active": True, "version": 1}
        for t in DEMO_TEAMS
    ]
    stmt = insert(Team).values(team_rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Team.id],
            set_={
                "name": stmt.excluded.name,
                "code": stmt.excluded.code,
                "active": True,
                "version": Team.version + 1,
            },
            # Only touch (and re-version) rows that differ, so reruns change nothing.
            where=tuple_(Team.name, Team.code, Team.active)
            != tuple_(stmt.excluded.name, stmt.excluded.code, True),
        )
    )

    people = [
        {
            "id": p.id,
            "subject": p.subject,
            "display_name": p.display_name,
            "email": None,
            "discipline_code": p.discipline,
            "roles": list(p.roles),
            "active": True,
            "version": 1,
        }
        for p in DEMO_PRACTITIONERS
    ]
    pstmt = insert(Practitioner).values(people)
    excluded = pstmt.excluded
    await session.execute(
        pstmt.on_conflict_do_update(
            index_elements=[Practitioner.id],
            set_={
                "subject": excluded.subject,
                "display_name": excluded.display_name,
                "discipline_code": excluded.discipline_code,
                "roles": excluded.roles,
                "active": True,
                "version": Practitioner.version + 1,
            },
            where=tuple_(
                Practitioner.subject,
                Practitioner.display_name,
                Practitioner.discipline_code,
                Practitioner.roles,
                Practitioner.active,
            )
            != tuple_(
                excluded.subject,
                excluded.display_name,
                excluded.discipline_code,
                excluded.roles,
                True,
            ),
        )
    )

    memberships = [
        {
            "id": p.membership_id,
            "practitioner_id": p.id,
            "team_id": p.team_id,
            "role_in_team": p.role_in_team,
            "valid_from": None,
            "valid_to": None,
        }
        for p in DEMO_PRACTITIONERS
        if p.team_id is not None
    ]
    # A demo membership someone ended on purpose stays ended.
    await session.execute(insert(TeamMembership).values(memberships).on_conflict_do_nothing())
    await session.flush()
    # Announce the demo directory as it now stands, so every service's projection of it is
    # filled on a fresh machine (a snapshot it already holds is ignored by its version).
    for team in await session.scalars(select(Team).where(Team.id.in_([t.id for t in DEMO_TEAMS]))):
        await events.team_changed(session, team)
    demo_ids = [p.id for p in DEMO_PRACTITIONERS]
    for practitioner in await session.scalars(
        select(Practitioner)
        .where(Practitioner.id.in_(demo_ids))
        .execution_options(populate_existing=True)
    ):
        await events.practitioner_changed(session, practitioner)
