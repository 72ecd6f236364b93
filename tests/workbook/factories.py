"""Small async helpers that build workbook test data through the real HTTP API.

Every helper makes fresh ids, so tests isolate by construction and never need to clean up.
Shared by every workbook test module: add helpers, don't rewrite others'.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    MembershipSnapshot,
    PractitionerSnapshot,
)
from services.principal import Principal
from tests.support.events import cloud_event, deliver
from workbook_api.families.identifiers import nhs_check_digit, upn_check_letter

Headers = Callable[[Principal], dict[str, str]]


# People and identifiers ------------------------------------------------------------------


def principal(
    *,
    discipline: str = "social_worker",
    roles: tuple[str, ...] = ("practitioner",),
    teams: tuple[UUID, ...] = (),
    manages: tuple[UUID, ...] = (),
    name: str | None = None,
) -> Principal:
    """A principal with a fresh practitioner id."""
    practitioner_id = uuid.uuid4()
    return Principal(
        subject=f"test|{practitioner_id.hex[:12]}",
        practitioner_id=practitioner_id,
        display_name=name or f"Test Practitioner {practitioner_id.hex[:6]}",
        discipline=discipline,
        roles=frozenset(roles),
        team_ids=frozenset(teams) | frozenset(manages),
        managed_team_ids=frozenset(manages),
    )


def manager_of(team_id: UUID) -> Principal:
    """A team manager of one team."""
    return principal(
        discipline="team_manager", roles=("practitioner", "team_manager"), manages=(team_id,)
    )


def practitioner_in(team_id: UUID, discipline: str = "social_worker") -> Principal:
    """A practitioner of one team in a discipline."""
    return principal(discipline=discipline, teams=(team_id,))


def system_principal() -> Principal:
    """The system-of-record integration."""
    return principal(discipline="system", roles=("system",))


# A run-wide sequence, so two tests never draw the same number (the test range is small).
_nhs_serials = itertools.count(random.randrange(500_000))


def random_nhs_number() -> str:
    """A valid NHS number in the 999 range the NHS keeps for testing, unique in this run."""
    while True:
        first_nine = f"999{next(_nhs_serials):06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def random_upn() -> str:
    """A valid permanent Unique Pupil Number."""
    digits = "".join(random.choice("0123456789") for _ in range(12))
    return upn_check_letter(digits) + digits


def child(**overrides: Any) -> dict[str, Any]:
    """A child member body with a valid NHS number."""
    body: dict[str, Any] = {
        "role": "child",
        "given_name": "Test",
        "family_name": "Child",
        "date_of_birth": "2019-05-04",
        "identifiers": [{"system": "nhs_number", "value": random_nhs_number()}],
    }
    body.update(overrides)
    return body


def parent(**overrides: Any) -> dict[str, Any]:
    """A parent member body."""
    body: dict[str, Any] = {
        "role": "parent",
        "given_name": "Test",
        "family_name": "Parent",
        "date_of_birth": "1990-01-02",
    }
    body.update(overrides)
    return body


# Families and cases ----------------------------------------------------------------------


def created(response: httpx.Response) -> dict[str, Any]:
    """Assert a 201 and return its body, showing the problem otherwise."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_family(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    team_id: UUID,
    members: list[dict[str, Any]] | None = None,
    name: str = "Test family",
) -> dict[str, Any]:
    """Register a family (a child and a parent unless told otherwise)."""
    response = await client.post(
        "/families",
        json={
            "name": name,
            "owning_team_id": str(team_id),
            "members": members if members is not None else [child(), parent()],
        },
        headers=headers,
    )
    return created(response)


async def open_case(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    family_id: str,
    team_id: UUID,
    reason: str = "Referral accepted at strategy discussion",
) -> dict[str, Any]:
    """Open a case for a family (the headers must be a manager of team_id)."""
    response = await client.post(
        "/cases",
        json={"family_id": family_id, "owning_team_id": str(team_id), "reason": reason},
        headers=headers,
    )
    return created(response)


async def register_practitioner(
    client: httpx.AsyncClient,
    who: Principal,
    *,
    active: bool = True,
    version: int = 1,
    discipline: str | None = None,
) -> httpx.Response:
    """Tell the workbook about a practitioner as the gateway's directory events do."""
    snapshot = PractitionerSnapshot(
        practitioner_id=who.practitioner_id,
        display_name=who.display_name,
        discipline=discipline or who.discipline,
        roles=sorted(who.roles),
        active=active,
        memberships=[
            MembershipSnapshot(
                team_id=team,
                role_in_team="manager" if team in who.managed_team_ids else "member",
            )
            for team in sorted(who.team_ids)
        ],
        version=version,
    )
    response = await deliver(
        client, cloud_event(DIRECTORY_PRACTITIONER_CHANGED, snapshot.model_dump(mode="json"))
    )
    assert response.status_code == 204, response.text
    return response


async def allocation_body(
    client: httpx.AsyncClient, who: Principal, *, social_worker: bool = False, **overrides: Any
) -> dict[str, Any]:
    """An allocation body for a practitioner the directory knows, in their own discipline."""
    await register_practitioner(client, who)
    body: dict[str, Any] = {
        "practitioner_id": str(who.practitioner_id),
        "practitioner_name": who.display_name,
        "discipline": who.discipline,
        "is_allocated_social_worker": social_worker,
    }
    body.update(overrides)
    return body


async def allocate(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case_id: str,
    who: Principal,
    *,
    social_worker: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """Allocate a practitioner to a case (the headers must be the owning team's manager)."""
    response = await client.post(
        f"/cases/{case_id}/allocations",
        json=await allocation_body(client, who, social_worker=social_worker, **overrides),
        headers=headers,
    )
    return created(response)


@dataclass
class CaseWorld:
    """A team with a manager, an allocated social worker and specialists on one open case,
    plus an outsider from another team who must never see it."""

    team_id: UUID
    manager: Principal
    social_worker: Principal
    specialists: dict[str, Principal]
    outsider: Principal
    outsider_manager: Principal
    family: dict[str, Any]
    case: dict[str, Any]
    allocations: dict[UUID, dict[str, Any]] = field(default_factory=dict)

    @property
    def case_id(self) -> str:
        return str(self.case["id"])

    @property
    def family_id(self) -> str:
        return str(self.family["id"])


async def case_world(
    client: httpx.AsyncClient,
    as_: Headers,
    *,
    specialist_disciplines: tuple[str, ...] = ("recovery_worker", "da_victim_worker"),
) -> CaseWorld:
    """Build a fresh team, family and open case with allocated workers."""
    team_id = uuid.uuid4()
    other_team = uuid.uuid4()
    manager = manager_of(team_id)
    social_worker = practitioner_in(team_id, "social_worker")
    specialists = {d: practitioner_in(team_id, d) for d in specialist_disciplines}
    family = await create_family(client, as_(manager), team_id=team_id)
    case = await open_case(client, as_(manager), family_id=family["id"], team_id=team_id)
    world = CaseWorld(
        team_id=team_id,
        manager=manager,
        social_worker=social_worker,
        specialists=specialists,
        outsider=practitioner_in(other_team, "social_worker"),
        outsider_manager=manager_of(other_team),
        family=family,
        case=case,
    )
    world.allocations[social_worker.practitioner_id] = await allocate(
        client, as_(manager), world.case_id, social_worker, social_worker=True
    )
    for specialist in specialists.values():
        world.allocations[specialist.practitioner_id] = await allocate(
            client, as_(manager), world.case_id, specialist
        )
    return world


# What was stored --------------------------------------------------------------------------


async def audit_rows(engine: AsyncEngine, response: httpx.Response) -> list[Row[Any]]:
    """The workbook audit rows a response's request wrote, in order."""
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT action, resource_type, resource_id, case_id, purpose, outcome, details,"
                " actor_subject FROM workbook.audit_log WHERE request_id = :rid ORDER BY position"
            ),
            {"rid": response.headers["x-request-id"]},
        )
        return list(result)


async def outbox_events(engine: AsyncEngine, subject_prefix: str) -> list[Row[Any]]:
    """The workbook outbox events whose subject starts with a prefix, oldest first."""
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT type, subject, data, team_id FROM workbook.outbox_event"
                " WHERE subject LIKE :prefix ORDER BY position"
            ),
            {"prefix": subject_prefix + "%"},
        )
        return list(result)


# Recording: entries, session logs, summaries ----------------------------------------------


def member_id(world: CaseWorld, role: str) -> str:
    """The id of the case family's first member with a role."""
    for member in world.family["members"]:
        if member["role"] == role:
            return str(member["id"])
    raise LookupError(role)


def entry_body(**overrides: Any) -> dict[str, Any]:
    """A home-visit entry body, event time an hour ago."""
    body: dict[str, Any] = {
        "entry_type": "home_visit",
        "event_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "narrative": "Visited the family at home; the children were seen together.",
        "significant": False,
    }
    body.update(overrides)
    return body


def session_body(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    """An MDT session log body with the family's parent, attended."""
    body: dict[str, Any] = {
        "event_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "person_ids": [member_id(world, "parent")],
        "fields": {"attendance": "attended", "session_focus": "Motivation to change"},
    }
    body.update(overrides)
    return body


async def record_entry(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case_id: str,
    *,
    finalise: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    """Record an entry (final unless told otherwise) and return it with its ETag."""
    response = await client.post(
        f"/cases/{case_id}/entries",
        json=entry_body(finalise=finalise, **overrides),
        headers=headers,
    )
    body = created(response)
    assert response.headers["etag"] == body["etag"]
    return body


async def log_session(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    world: CaseWorld,
    *,
    finalise: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    """Log an MDT session (final unless told otherwise)."""
    response = await client.post(
        f"/cases/{world.case_id}/sessions",
        json=session_body(world, finalise=finalise, **overrides),
        headers=headers,
    )
    return created(response)


async def write_summary(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    case_id: str,
    *,
    episode: int = 1,
    finalise: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    """Write a role summary for an episode (final unless told otherwise)."""
    body: dict[str, Any] = {
        "narrative": "This month the family engaged well.",
        "finalise": finalise,
    }
    body.update(overrides)
    response = await client.post(
        f"/cases/{case_id}/episodes/{episode}/summaries", json=body, headers=headers
    )
    return created(response)


def if_match(headers: dict[str, str], etag: str) -> dict[str, str]:
    """Headers plus If-Match."""
    return {**headers, "If-Match": etag}
