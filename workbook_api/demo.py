"""Synthetic demo families, cases and allocations (never real people) for `fsm seed --demo`.

The families are defined here; `demo_spec` holds the fixed ids and the shape of a family, and
`demo_records` writes a family's records. Other demos and tests refer to the ids through this
module as well.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import EARLY_HELP, RESTATED
from workbook_api.cases.events import publish_allocation_changed, publish_case_changed
from workbook_api.cases.models import Allocation, Case
from workbook_api.demo_records import seed_early_help, seed_family
from workbook_api.demo_spec import (
    DA_VICTIM_WORKER_NORTH,
    DEMO_PRACTITIONERS,
    MANAGER_NORTH,
    MENTAL_HEALTH_NORTH,
    RECOVERY_WORKER_NORTH,
    SOCIAL_WORKER_NORTH,
    SOCIAL_WORKER_SOUTH,
    TEAM_NORTH,
    TEAM_SOUTH,
    DemoEarlyHelp,
    DemoFamily,
    DemoMember,
    demo_id,
    early_help_case_id,
)
from workbook_api.entries.demo import seed_demo_entries
from workbook_api.external.demo import seed_demo_keys
from workbook_api.families.models import Family
from workbook_api.retention.demo import seed_demo_retention
from workbook_api.subject_access.demo import seed_demo_subject_access

# What other demos and the tests take from the workbook's demo, wherever it is defined.
__all__ = [
    "DEMO_PRACTITIONERS",
    "MANAGER_NORTH",
    "SOCIAL_WORKER_NORTH",
    "TEAM_NORTH",
    "TEAM_SOUTH",
    "demo_case_count",
    "demo_id",
    "early_help_case_id",
    "seed_demo",
]


def demo_case_count(today: date) -> int:
    """How many cases the demo holds: each family's own, and an early help case beside some."""
    specs = _families(today)
    return len(specs) + sum(spec.early_help is not None for spec in specs)


def _families(today: date) -> tuple[DemoFamily, ...]:
    return (
        DemoFamily(
            1,
            "Ashdown",
            TEAM_NORTH,
            (
                DemoMember(1, "parent", "Morgan", date(1992, 3, 14), sex="female"),
                DemoMember(2, "partner", "Riley", date(1989, 8, 2), sex="male"),
                DemoMember(3, "child", "Ava", date(2016, 6, 21), sex="female", upn=True),
                DemoMember(4, "child", "Leo", date(2020, 1, 9), sex="male"),
                DemoMember(5, "child", "Unborn", expected=today + timedelta(days=120)),
            ),
            ((1, 3), (1, 4), (1, 5)),
            (SOCIAL_WORKER_NORTH, DA_VICTIM_WORKER_NORTH, RECOVERY_WORKER_NORTH),
        ),
        DemoFamily(
            2,
            "Brightwell",
            TEAM_NORTH,
            (
                DemoMember(1, "parent", "Jordan", date(1987, 11, 30), sex="male"),
                DemoMember(2, "parent", "Casey", date(1990, 5, 17), sex="female"),
                DemoMember(3, "child", "Noah", date(2013, 2, 3), sex="male", upn=True),
            ),
            ((1, 3), (2, 3)),
            (SOCIAL_WORKER_NORTH, MENTAL_HEALTH_NORTH, RECOVERY_WORKER_NORTH),
            # Stepped up: early help until a review found things worse.
            early_help=DemoEarlyHelp(
                120, 45, (SOCIAL_WORKER_NORTH,), "Demo: school and GP asked for family support."
            ),
        ),
        DemoFamily(
            3,
            "Carrow",
            TEAM_SOUTH,
            (
                DemoMember(1, "carer", "Alex", date(1968, 9, 12), sex="female"),
                DemoMember(2, "child", "Mia", date(2011, 12, 1), sex="female", upn=True),
            ),
            ((1, 2),),
            (SOCIAL_WORKER_SOUTH,),
        ),
        DemoFamily(
            4,
            "Denholm",
            TEAM_NORTH,
            (
                DemoMember(1, "parent", "Sam", date(1995, 7, 7), sex="not_known"),
                DemoMember(2, "child", "Ellis", date(2021, 10, 19)),
            ),
            ((1, 2),),
            (SOCIAL_WORKER_NORTH,),
            closed=True,
            # Stepped down: the statutory plan ended and early help carries on.
            early_help=DemoEarlyHelp(
                30,
                None,
                (SOCIAL_WORKER_NORTH, RECOVERY_WORKER_NORTH),
                "Demo: stepped down from Family Safeguarding to early help.",
            ),
        ),
        DemoFamily(
            5,
            "Elmstead",
            TEAM_NORTH,
            (
                DemoMember(1, "parent", "Robin", date(1991, 4, 2), sex="female"),
                DemoMember(2, "child", "Theo", date(2014, 9, 15), sex="male", upn=True),
                DemoMember(3, "child", "Isla", date(2018, 3, 30), sex="female"),
            ),
            ((1, 2), (1, 3)),
            (SOCIAL_WORKER_NORTH, RECOVERY_WORKER_NORTH),
            kind=EARLY_HELP,
        ),
        DemoFamily(
            6,
            "Fairley",
            TEAM_NORTH,
            (
                DemoMember(1, "parent", "Quinn", date(1998, 12, 24), sex="male"),
                DemoMember(2, "child", "Arlo", date(2023, 5, 5), sex="male"),
            ),
            ((1, 2),),
            (SOCIAL_WORKER_NORTH,),
            kind=EARLY_HELP,
        ),
        # Early help that ended ten months ago (pathway_api/claims/demo.py): three families
        # whose progress was sustained (two claimed for Supporting Families), one that is not
        # ready to claim for.
        *(
            DemoFamily(
                number,
                surname,
                team,
                (
                    DemoMember(1, "parent", given, born, sex="female"),
                    DemoMember(2, "child", child, date(2015 + number - 7, 6, 1), sex="male"),
                ),
                ((1, 2),),
                (worker,),
                closed=True,
                kind=EARLY_HELP,
                opened_days_ago=420,
                closed_days_ago=300,
            )
            for number, surname, team, worker, given, born, child in (
                (
                    7,
                    "Greyfriars",
                    TEAM_NORTH,
                    SOCIAL_WORKER_NORTH,
                    "Dana",
                    date(1990, 2, 11),
                    "Finn",
                ),
                (8, "Hartwell", TEAM_SOUTH, SOCIAL_WORKER_SOUTH, "Erin", date(1988, 7, 3), "Kit"),
                (9, "Ingleby", TEAM_NORTH, SOCIAL_WORKER_NORTH, "Jess", date(1994, 1, 20), "Rory"),
                (10, "Juniper", TEAM_NORTH, SOCIAL_WORKER_NORTH, "Lou", date(1986, 9, 9), "Ezra"),
            )
        ),
    )


async def _announce_demo_cases(session: AsyncSession, specs: tuple[DemoFamily, ...]) -> None:
    """Restate the demo cases and their allocations as they now stand, on every run.

    So the workflow services' projections fill on a fresh machine, and on one whose database
    predates their projection; a snapshot a service already holds is ignored by its version.
    """
    case_ids = [demo_id(3, spec.number) for spec in specs] + [
        early_help_case_id(spec.number) for spec in specs if spec.early_help is not None
    ]
    cases = await session.scalars(
        select(Case)
        .where(Case.id.in_(case_ids))
        .order_by(Case.id)
        # Whatever was loaded before, announce the rows as they are now.
        .execution_options(populate_existing=True)
    )
    for case in cases.all():
        await publish_case_changed(session, case, RESTATED)
        allocations = await session.scalars(
            select(Allocation).where(Allocation.case_id == case.id).order_by(Allocation.id)
        )
        for allocation in allocations.all():
            await publish_allocation_changed(session, case, allocation, RESTATED)


async def seed_demo(session: AsyncSession) -> None:
    """Create the demo families, cases, episodes and allocations that are not there yet."""
    now = datetime.now(UTC)
    specs = _families(now.date())
    for spec in specs:
        exists = await session.scalar(select(Family.id).where(Family.id == demo_id(1, spec.number)))
        if exists is None:
            await seed_family(session, spec, now)
        if spec.early_help is not None:
            held = await session.scalar(
                select(Case.id).where(Case.id == early_help_case_id(spec.number))
            )
            if held is None:
                await seed_early_help(session, spec, now)
    await _announce_demo_cases(session, specs)
    await seed_demo_entries(session)
    await seed_demo_keys(session)
    closed = next(spec for spec in specs if spec.closed)
    adopted = next(m for m in closed.members if m.role == "child" and m.born is not None)
    await seed_demo_retention(
        session, demo_id(3, closed.number), demo_id(2, closed.number * 10 + adopted.number)
    )
    # Casey Brightwell (family 2, member 2) asks for her records; Jordan is member 1.
    await seed_demo_subject_access(session, demo_id(3, 2), demo_id(2, 22), demo_id(2, 21))
