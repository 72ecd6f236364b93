"""How a demo family, as described, becomes the workbook's records (once; reruns skip it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import AuditEvent, write_audit
from services.event_contracts import EARLY_HELP, FAMILY_SAFEGUARDING
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.demo_spec import (
    DEMO_PRACTITIONERS,
    MANAGER_NORTH,
    MANAGER_SOUTH,
    TEAM_NORTH,
    DemoFamily,
    demo_id,
    demo_nhs_number,
    demo_upn,
    early_help_case_id,
)
from workbook_api.families.models import Family, Person, PersonIdentifier, Relationship
from workbook_api.models import kernel

SOCIAL_WORK: Final = frozenset({"social_worker", "consultant_social_worker"})
OPENED_REASON: Final = "Demo: referral accepted after a strategy discussion."
CLOSED_REASON: Final = "Demo: plan completed; family stepped down to early help."
EARLY_HELP_REASON: Final = "Demo: early help agreed with the family."
STEPPED_UP_REASON: Final = "Demo: stepped up to Family Safeguarding after a review."


async def seed_family(session: AsyncSession, spec: DemoFamily, now: datetime) -> None:
    """The family, its members with their identifiers and relationships, its main case with
    its episodes and allocations, and an audit row saying the demo seeded it."""
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


async def seed_early_help(session: AsyncSession, spec: DemoFamily, now: datetime) -> None:
    """The early help case beside the family's main case: its episode and allocations."""
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
