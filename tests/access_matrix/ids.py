"""How the matrix finds an id for every path parameter: one entry per parameter name.

A new endpoint needs nothing here unless it brings a path parameter name not listed; then the
matrix fails, naming the parameter, until an entry says how to find (for reads) and create (for
writes) a record for it. Each id comes with the audience of the record it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.access_matrix import personas as p
from tests.access_matrix.operations import Operation
from tests.access_matrix.scratch import Scratch
from tests.access_matrix.world import World


@dataclass(frozen=True)
class IdChoice:
    """An id for a path parameter, the audience of what it names, and a label for reports."""

    value: str
    audience: p.Audience
    label: str


ReadIds = Callable[[World, Operation], list[IdChoice]]
WriteId = Callable[[Scratch, Operation], Awaitable[IdChoice]]


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class IdSource:
    """Where ids for one path parameter come from."""

    read: ReadIds
    write: WriteId
    # An id that names nothing, to compare an outsider's answer with.
    missing: Callable[[], str] = new_uuid


# Writes that need their record in a particular state get one in it (default: open, final).
STATES: dict[str, dict[str, str]] = {
    "POST /workbook/cases/{case_id}/reopen": {"case_id": "closed"},
    "PATCH /workbook/cases/{case_id}/entries/{entry_id}": {"entry_id": "draft"},
    "POST /workbook/cases/{case_id}/entries/{entry_id}/finalise": {"entry_id": "draft"},
    "PATCH /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}": {
        "summary_id": "draft"
    },
    "POST /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}/finalise": {
        "summary_id": "draft"
    },
}


def state(op: Operation, parameter: str) -> str:
    """The state the operation needs the parameter's record in."""
    return STATES.get(op.key, {}).get(parameter, "default")


def one(value: str, audience: p.Audience, label: str) -> list[IdChoice]:
    return [IdChoice(value, audience, label)]


def entry_ids(world: World, op: Operation) -> list[IdChoice]:
    """Every kind of entry, or (under /sessions/) every session log."""
    audiences = {"draft": p.DRAFT_BY_SOCIAL_WORKER, "withdrawn": p.WITHDRAWN_A}
    chosen = world.sessions if "/sessions/" in op.path else world.entries
    return [IdChoice(v, audiences.get(k, p.CASE_A), k) for k, v in chosen.items()]


def summary_ids(world: World, op: Operation) -> list[IdChoice]:
    """The restricted, standard and draft summaries of episode 1."""
    return [
        IdChoice(v, p.DRAFT_BY_SOCIAL_WORKER if k == "draft" else p.CASE_A, f"{k} summary")
        for k, v in world.summaries.items()
    ]


# Writes that use their case up (a closed case cannot be closed again): one case per request.
USED_UP_CASES = frozenset(
    {"POST /workbook/cases/{case_id}/close", "POST /workbook/cases/{case_id}/reopen"}
)


async def scratch_case_id(scratch: Scratch, op: Operation) -> IdChoice:
    closed = state(op, "case_id") == "closed"
    if op.key in USED_UP_CASES:
        case = await scratch.fresh_case(closed=closed)
    else:
        case = await scratch.case(closed=closed)
    return IdChoice(case.case_id, p.CASE_A, "closed scratch case" if closed else "scratch case")


async def scratch_entry_id(scratch: Scratch, op: Operation) -> IdChoice:
    if state(op, "entry_id") == "draft":
        return IdChoice(await scratch.entry(draft=True), p.DRAFT_BY_SOCIAL_WORKER, "draft")
    return IdChoice(await scratch.entry(draft=False), p.CASE_A, "final entry")


async def scratch_summary_id(scratch: Scratch, op: Operation) -> IdChoice:
    if state(op, "summary_id") == "draft":
        return IdChoice(await scratch.summary(draft=True), p.DRAFT_BY_SOCIAL_WORKER, "draft")
    return IdChoice(await scratch.summary(draft=False), p.CASE_A, "final summary")


async def scratch_family_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).family_id, p.CASE_A, "scratch family")


async def scratch_person_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).parent_id, p.CASE_A, "scratch parent")


async def scratch_relationship_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).relationship_id, p.CASE_A, "scratch relationship")


async def scratch_allocation_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.allocation(), p.CASE_A, "scratch allocation")


async def scratch_grant_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.grant(), p.CASE_A, "scratch grant")


async def scratch_subscription_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.subscription(op.unit), p.WEBHOOKS, "scratch subscription")


async def scratch_delivery_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.dead_delivery(op.unit), p.WEBHOOKS, "scratch dead delivery")


async def scratch_hold_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.hold(), p.DPO_ONLY, "scratch legal hold")


async def first_episode(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice("1", p.EVERYONE, "episode 1")


async def scratch_team_id(scratch: Scratch, op: Operation) -> IdChoice:
    # A team of its own: administrators only (no manager manages it).
    return IdChoice(await scratch.team(), frozenset({p.ADMINISTRATOR}), "scratch team")


async def scratch_practitioner_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.practitioner(), p.DIRECTORY_A, "scratch practitioner")


async def scratch_membership_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.membership(), p.DIRECTORY_A, "scratch membership")


SYSTEM = "mosaic"
# The record type each by-external-id path names.
_KEYED = {"families": "family", "people": "person", "cases": "case", "allocations": "allocation"}


def world_key(world: World, op: Operation) -> list[IdChoice]:
    """The key the system of record knows the world's record of the path's type by."""
    record_type = _KEYED[op.path.split("/")[1]]
    return one(world.keys[record_type], p.SYSTEM_ONLY, f"{record_type} A's key")


async def new_key(scratch: Scratch, op: Operation) -> IdChoice:
    # A key nothing is known by yet: the upsert creates the record.
    return IdChoice(f"MTX{uuid.uuid4().hex[:16]}", p.SYSTEM_ONLY, "new key")


async def mosaic(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(SYSTEM, p.EVERYONE, SYSTEM)


async def scratch_review_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.review(), p.REVIEW_A, "scratch review")


async def scratch_import_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.held_import(), p.IMPORTERS, "unfinished import")


def directory_id(world: World, kind: str, persona: str = p.SOCIAL_WORKER) -> str:
    """A team A directory record: the team, or a member's practitioner or membership id."""
    directory = world.directory
    if kind == "team":
        return str(directory.team_ids[p.TEAM_A])
    if kind == "practitioner":
        return str(directory.practitioner_ids[persona])
    return str(directory.membership_ids[persona])


async def scim_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(new_uuid(), p.EVERYONE, "SCIM resource (needs the SCIM credential)")


def scim_ids(world: World, op: Operation) -> list[IdChoice]:
    """SCIM resources: no persona's token reaches them, whatever the id names."""
    return one(new_uuid(), p.EVERYONE, "SCIM resource (needs the SCIM credential)")


PATH_IDS: dict[str, IdSource] = {
    "user_id": IdSource(read=scim_ids, write=scim_id),
    "group_id": IdSource(read=scim_ids, write=scim_id),
    "name": IdSource(read=scim_ids, write=scim_id),
    "schema_id": IdSource(read=scim_ids, write=scim_id),
    "case_id": IdSource(
        read=lambda w, op: one(w.case_a, p.CASE_A, "case A"), write=scratch_case_id
    ),
    "entry_id": IdSource(read=entry_ids, write=scratch_entry_id),
    "summary_id": IdSource(read=summary_ids, write=scratch_summary_id),
    "number": IdSource(
        read=lambda w, op: one("1", p.EVERYONE, "episode 1"),
        write=first_episode,
        missing=lambda: "99999",
    ),
    "allocation_id": IdSource(
        read=lambda w, op: one(w.allocation_a, p.CASE_A, "social worker's allocation"),
        write=scratch_allocation_id,
    ),
    "grant_id": IdSource(
        read=lambda w, op: one(w.grant_a, p.CASE_A, "break-glass grant"), write=scratch_grant_id
    ),
    "family_id": IdSource(
        read=lambda w, op: one(w.family_a, p.CASE_A, "family A"), write=scratch_family_id
    ),
    "person_id": IdSource(
        read=lambda w, op: one(w.child_a, p.CASE_A, "child of family A"), write=scratch_person_id
    ),
    "relationship_id": IdSource(
        read=lambda w, op: one(w.relationship_a, p.CASE_A, "relationship in family A"),
        write=scratch_relationship_id,
    ),
    "team_id": IdSource(
        read=lambda w, op: one(directory_id(w, "team"), p.DIRECTORY_A, "team A"),
        write=scratch_team_id,
    ),
    "practitioner_id": IdSource(
        read=lambda w, op: one(
            directory_id(w, "practitioner"), p.DIRECTORY_A, "team A social worker"
        ),
        write=scratch_practitioner_id,
    ),
    "subscription_id": IdSource(
        read=lambda w, op: one(w.subscriptions[op.unit.name], p.WEBHOOKS, "subscription"),
        write=scratch_subscription_id,
    ),
    "delivery_id": IdSource(
        read=lambda w, op: one(w.deliveries[op.unit.name], p.WEBHOOKS, "delivery"),
        write=scratch_delivery_id,
        missing=lambda: "987654321",
    ),
    "system": IdSource(
        read=lambda w, op: one(SYSTEM, p.EVERYONE, SYSTEM), write=mosaic, missing=lambda: SYSTEM
    ),
    "external_id": IdSource(
        read=world_key, write=new_key, missing=lambda: f"MTX{uuid.uuid4().hex[:16]}"
    ),
    "review_id": IdSource(
        read=lambda w, op: one(w.review_a, p.REVIEW_A, "review of family A"),
        write=scratch_review_id,
    ),
    "import_id": IdSource(
        read=lambda w, op: one(w.import_a, p.IMPORTERS, "a dry-run import"),
        write=scratch_import_id,
    ),
    # --- DPO tools: legal holds are the DPO's alone (placed on the case by the DPO).
    "hold_id": IdSource(read=lambda w, op: [], write=scratch_hold_id),
    "membership_id": IdSource(
        read=lambda w, op: one(
            directory_id(w, "membership"), p.DIRECTORY_A, "social worker's membership"
        ),
        write=scratch_membership_id,
    ),
}
