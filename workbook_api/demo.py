"""Synthetic demo families, cases and allocations (never real people) for `fsm seed --demo`.

Ids are fixed so reruns change nothing and other demos can refer to them. Practitioner and
team ids repeat the directory's demo constants (gateway/directory/demo.py): services never
import each other, so they are copied here, and tests/workbook/test_demo.py checks them.
NHS numbers are in the 999 range the NHS sets aside for testing, with valid check digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import AuditEvent, write_audit
from services.event_contracts import EARLY_HELP, FAMILY_SAFEGUARDING, RESTATED
from workbook_api.cases.events import publish_allocation_changed, publish_case_changed
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.entries.demo import seed_demo_entries
from workbook_api.external.demo import seed_demo_keys
from workbook_api.families.identifiers import nhs_check_digit, upn_check_letter
from workbook_api.families.models import Family, Person, PersonIdentifier, Relationship
from workbook_api.models import kernel
from workbook_api.retention.demo import seed_demo_retention
from workbook_api.subject_access.demo import seed_demo_subject_access

# Copied from gateway/directory/demo.py (the directory owns them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
TEAM_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000002")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
DA_VICTIM_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000103")
RECOVERY_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000104")
MENTAL_HEALTH_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")
MANAGER_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000201")
SOCIAL_WORKER_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000202")

DEMO_PRACTITIONERS: Final = {
    SOCIAL_WORKER_NORTH: ("Demo Social Worker (Team North)", "social_worker"),
    DA_VICTIM_WORKER_NORTH: ("Demo DA Victim Worker (Team North)", "da_victim_worker"),
    RECOVERY_WORKER_NORTH: ("Demo Recovery Worker (Team North)", "recovery_worker"),
    MENTAL_HEALTH_NORTH: (
        "Demo Mental Health Practitioner (Team North)",
        "mental_health_practitioner",
    ),
    SOCIAL_WORKER_SOUTH: ("Demo Social Worker (Team South)", "social_worker"),
}
SOCIAL_WORK: Final = frozenset({"social_worker", "consultant_social_worker"})
OPENED_REASON: Final = "Demo: referral accepted after a strategy discussion."
CLOSED_REASON: Final = "Demo: plan completed; family stepped down to early help."
EARLY_HELP_REASON: Final = "Demo: early help agreed with the family."
STEPPED_UP_REASON: Final = "Demo: stepped up to Family Safeguarding after a review."


def demo_id(kind: int, number: int) -> UUID:
    """A fixed workbook demo id: kind 1 family, 2 person, 3 case, 4 allocation, 5 episode."""
    return UUID(f"d3a0f5e1-0001-4000-8{kind:03d}-{number:012d}")


def demo_nhs_number(serial: int) -> str:
    """The serial-th valid NHS number in the 999 test range."""
    candidate = serial
    while True:
        first_nine = f"999{candidate:06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
        candidate += 1000


def demo_upn(serial: int) -> str:
    """A valid UPN for a synthetic pupil (LA code 999 is not a real authority)."""
    digits = f"999000{serial:06d}"
    return upn_check_letter(digits) + digits


@dataclass(frozen=True)
class DemoMember:
    number: int
    role: str
    given_name: str
    born: date | None = None
    expected: date | None = None
    sex: str | None = None
    upn: bool = False


@dataclass(frozen=True)
class DemoEarlyHelp:
    """An early help case beside a family's main case: stepped up from, or down to."""

    opened_days_ago: int
    closed_days_ago: int | None
    # The first is the lead practitioner (the case's allocated worker).
    allocated: tuple[UUID, ...]
    reason: str


@dataclass(frozen=True)
class DemoFamily:
    number: int
    surname: str
    team_id: UUID
    members: tuple[DemoMember, ...]
    # (parent member number, child member number) pairs with parental responsibility.
    parents_of: tuple[tuple[int, int], ...]
    allocated: tuple[UUID, ...]
    closed: bool = False
    kind: str = FAMILY_SAFEGUARDING
    early_help: DemoEarlyHelp | None = None
    # When the main case opened and (if closed) closed; by default 45 days ago, or 90 and 30.
    opened_days_ago: int | None = None
    closed_days_ago: int = 30


def early_help_case_id(family_number: int) -> UUID:
    """The fixed id of a demo family's second (early help) case."""
    return demo_id(3, 100 + family_number)


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


async def _seed_family(session: AsyncSession, spec: DemoFamily, now: datetime) -> None:
    manager = MANAGER_NORTH if spec.team_id == TEAM_NORTH else MANAGER_SOUTH
    family = Family(
        id=demo_id(1, spec.number),
        name=f"{spec.surname} family (demo)",
        owning_team_id=spec.team_id,
        created_by_practitioner_id=manager,
    )
    session.add(family)
    await session.flush()
    people: dict[int, Person] = {}
    for member in spec.members:
        serial = spec.number * 10 + member.number
        person = Person(
            id=demo_id(2, serial),
            family_id=family.id,
            role=member.role,
            given_name=member.given_name,
            family_name=spec.surname,
            date_of_birth=member.born,
            expected_date_of_birth=member.expected,
            sex=member.sex,
        )
        identifiers = [PersonIdentifier(system="system_of_record", value=f"DEMO-{serial:05d}")]
        if member.born is not None:
            identifiers.append(PersonIdentifier(system="nhs_number", value=demo_nhs_number(serial)))
        if member.upn:
            identifiers.append(PersonIdentifier(system="upn", value=demo_upn(serial)))
        person.identifiers = identifiers
        people[member.number] = person
    session.add_all(people.values())
    await session.flush()
    session.add_all(
        Relationship(
            family_id=family.id,
            person_id=people[adult].id,
            related_person_id=people[child].id,
            type="carer_of" if people[adult].role == "carer" else "parent_of",
            parental_responsibility=True,
        )
        for adult, child in spec.parents_of
    )
    opened_at = now - timedelta(days=spec.opened_days_ago or (90 if spec.closed else 45))
    closed_at = now - timedelta(days=spec.closed_days_ago)
    case = Case(
        id=demo_id(3, spec.number),
        family_id=family.id,
        owning_team_id=spec.team_id,
        status="open",
        kind=spec.kind,
        opened_at=opened_at,
        opened_reason=OPENED_REASON if spec.kind == FAMILY_SAFEGUARDING else EARLY_HELP_REASON,
        opened_by_practitioner_id=manager,
    )
    session.add(case)
    await session.flush()
    session.add(
        Episode(
            id=demo_id(5, spec.number * 10 + 1),
            case_id=case.id,
            number=1,
            opened_at=opened_at,
            closed_at=closed_at if spec.closed else None,
            opened_by_event="case_opened",
            opened_reason=OPENED_REASON,
            closed_reason=CLOSED_REASON if spec.closed else None,
        )
    )
    allocations = []
    for index, practitioner_id in enumerate(spec.allocated, start=1):
        name, discipline = DEMO_PRACTITIONERS[practitioner_id]
        allocations.append(
            Allocation(
                id=demo_id(4, spec.number * 10 + index),
                case_id=case.id,
                practitioner_id=practitioner_id,
                practitioner_name=name,
                discipline=discipline,
                # On an early help case the allocated worker is the family's lead practitioner.
                is_allocated_social_worker=discipline in SOCIAL_WORK
                if spec.kind == FAMILY_SAFEGUARDING
                else index == 1,
                starts_at=opened_at,
                ends_at=closed_at if spec.closed else None,
                ended_reason="case closed" if spec.closed else None,
                allocated_by_practitioner_id=manager,
            )
        )
    session.add_all(allocations)
    if spec.closed:
        case.status = "closed"
        case.closed_at = closed_at
        case.closed_reason = CLOSED_REASON
        case.closed_by_practitioner_id = manager
    await session.flush()
    await write_audit(
        session,
        kernel.audit_log,
        actor="fsm-demo-seed",
        request_id="demo-seed",
        events=[
            AuditEvent(
                action="seed",
                resource_type="family",
                resource_id=str(family.id),
                case_id=case.id,
                purpose="system_sync",
                details={"members": len(people), "allocations": len(allocations)},
            )
        ],
    )


async def _seed_early_help(session: AsyncSession, spec: DemoFamily, now: datetime) -> None:
    """A family's early help case beside its main one (the step up or step down)."""
    assert spec.early_help is not None
    help_ = spec.early_help
    manager = MANAGER_NORTH if spec.team_id == TEAM_NORTH else MANAGER_SOUTH
    opened_at = now - timedelta(days=help_.opened_days_ago)
    closed_at = now - timedelta(days=help_.closed_days_ago) if help_.closed_days_ago else None
    case = Case(
        id=early_help_case_id(spec.number),
        family_id=demo_id(1, spec.number),
        owning_team_id=spec.team_id,
        status="open",
        kind=EARLY_HELP,
        opened_at=opened_at,
        opened_reason=help_.reason,
        opened_by_practitioner_id=manager,
    )
    session.add(case)
    await session.flush()
    serial = (100 + spec.number) * 10
    session.add(
        Episode(
            id=demo_id(5, serial + 1),
            case_id=case.id,
            number=1,
            opened_at=opened_at,
            closed_at=closed_at,
            opened_by_event="case_opened",
            opened_reason=help_.reason,
            closed_reason=STEPPED_UP_REASON if closed_at else None,
        )
    )
    for index, practitioner_id in enumerate(help_.allocated, start=1):
        name, discipline = DEMO_PRACTITIONERS[practitioner_id]
        session.add(
            Allocation(
                id=demo_id(4, serial + index),
                case_id=case.id,
                practitioner_id=practitioner_id,
                practitioner_name=name,
                discipline=discipline,
                is_allocated_social_worker=index == 1,
                starts_at=opened_at,
                ends_at=closed_at,
                ended_reason="case closed" if closed_at else None,
                allocated_by_practitioner_id=manager,
            )
        )
    if closed_at is not None:
        case.status = "closed"
        case.closed_at = closed_at
        case.closed_reason = STEPPED_UP_REASON
        case.closed_by_practitioner_id = manager
    await session.flush()


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
            await _seed_family(session, spec, now)
        if spec.early_help is not None:
            held = await session.scalar(
                select(Case.id).where(Case.id == early_help_case_id(spec.number))
            )
            if held is None:
                await _seed_early_help(session, spec, now)
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
