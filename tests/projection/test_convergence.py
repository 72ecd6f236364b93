"""The projection converges on the newest snapshots, whatever the deliveries do (property-based).

Hypothesis draws a history of changes to cases, allocations, practitioners and teams (each
change one snapshot with the next version) and a delivery schedule: any order, some events
delivered twice, some withheld and only delivered at the end, either as the same event again
(the relay's redelivery) or as a restatement of the record as it finally stands, with a new id
(`fsm events catch-up`). Every delivery goes to supervision's real inbox endpoint, signed, and is
applied on the real database. Whatever the schedule, the projection must end equal to the
final state, and before the withheld ones arrive it must hold, for each record, the newest
version delivered so far.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.event_contracts import (
    RESTATED,
    AllocationSnapshot,
    CaseSnapshot,
    MembershipSnapshot,
    PractitionerSnapshot,
    TeamSnapshot,
)
from services.events import CloudEvent
from services.settings import KernelSettings, async_database_url
from supervision_api.app import create_app
from supervision_api.models import projection
from tests.conftest import running
from tests.projection.factories import event_of
from tests.support.events import deliver

T = TypeVar("T")
TEAMS = 2
PRACTITIONERS = 2
DISCIPLINES = ("social_worker", "recovery_worker", "da_victim_worker")
ROLES = ("practitioner", "team_manager", "auditor")


# A history, drawn as indices and choices; ids and times are made when it is run -------------


@dataclass(frozen=True)
class CaseChange:
    closed: bool
    team: int
    episode_number: int


@dataclass(frozen=True)
class AllocationChange:
    ended_hours_after_start: int | None
    social_worker: bool
    discipline: str


@dataclass(frozen=True)
class PractitionerChange:
    active: bool
    roles: frozenset[str]
    memberships: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class TeamChange:
    name: int
    active: bool


@dataclass(frozen=True)
class History:
    cases: tuple[tuple[CaseChange, ...], ...]
    # (case index, practitioner index, its changes)
    allocations: tuple[tuple[int, int, tuple[AllocationChange, ...]], ...]
    practitioners: tuple[tuple[PractitionerChange, ...], ...]
    teams: tuple[tuple[TeamChange, ...], ...]


def _changes(change: st.SearchStrategy[T], most: int) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(change, min_size=1, max_size=most).map(tuple)


case_changes = st.builds(CaseChange, st.booleans(), st.integers(0, TEAMS - 1), st.integers(1, 4))
allocation_changes = st.builds(
    AllocationChange,
    st.none() | st.integers(0, 48),
    st.booleans(),
    st.sampled_from(DISCIPLINES),
)
practitioner_changes = st.builds(
    PractitionerChange,
    st.booleans(),
    st.frozensets(st.sampled_from(ROLES), min_size=1),
    st.lists(
        st.tuples(st.integers(0, TEAMS - 1), st.sampled_from(("member", "manager"))),
        max_size=2,
    ).map(tuple),
)
team_changes = st.builds(TeamChange, st.integers(0, 9), st.booleans())


@st.composite
def histories(draw: st.DrawFn) -> History:
    cases = draw(st.lists(_changes(case_changes, 4), min_size=1, max_size=2))
    allocations = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(cases) - 1),
                st.integers(0, PRACTITIONERS - 1),
                _changes(allocation_changes, 3),
            ),
            max_size=3,
        )
    )
    practitioners = draw(st.lists(_changes(practitioner_changes, 3), max_size=PRACTITIONERS))
    teams = draw(st.lists(_changes(team_changes, 2), max_size=1))
    return History(tuple(cases), tuple(allocations), tuple(practitioners), tuple(teams))


# The history made concrete: every record's snapshots, version 1 upwards ----------------------


@dataclass
class Record:
    """One record's snapshots in the order they were made; the last is where it ends."""

    table: Table
    key: UUID
    snapshots: list[BaseModel]


def materialise(history: History) -> list[Record]:
    """Fresh ids and times for a drawn history, so no two runs of an example share a row."""
    base = datetime.now(UTC).replace(microsecond=123456) - timedelta(days=30)
    teams = [uuid.uuid4() for _ in range(TEAMS)]
    people = [uuid.uuid4() for _ in range(PRACTITIONERS)]
    records: list[Record] = []
    case_ids, case_opened = [], []
    for number, changes in enumerate(history.cases):
        case_id, family_id = uuid.uuid4(), uuid.uuid4()
        opened_at = base + timedelta(hours=number)
        case_ids.append(case_id)
        case_opened.append(opened_at)
        snapshots: list[BaseModel] = [
            CaseSnapshot(
                case_id=case_id,
                family_id=family_id,
                owning_team_id=teams[change.team],
                status="closed" if change.closed else "open",
                opened_at=opened_at,
                closed_at=opened_at + timedelta(days=version) if change.closed else None,
                episode_number=change.episode_number,
                version=version,
            )
            for version, change in enumerate(changes, start=1)
        ]
        records.append(Record(projection.tables.cases, case_id, snapshots))
    for case_index, person, allocation_history in history.allocations:
        allocation_id = uuid.uuid4()
        starts_at = case_opened[case_index]
        snapshots = [
            AllocationSnapshot(
                allocation_id=allocation_id,
                case_id=case_ids[case_index],
                practitioner_id=people[person],
                discipline=change.discipline,
                is_allocated_social_worker=change.social_worker,
                starts_at=starts_at,
                ends_at=None
                if change.ended_hours_after_start is None
                else starts_at + timedelta(hours=change.ended_hours_after_start),
                version=version,
            )
            for version, change in enumerate(allocation_history, start=1)
        ]
        records.append(Record(projection.tables.allocations, allocation_id, snapshots))
    for person, practitioner_history in enumerate(history.practitioners):
        snapshots = [
            PractitionerSnapshot(
                practitioner_id=people[person],
                display_name=f"Synthetic practitioner {person} v{version}",
                discipline=DISCIPLINES[version % len(DISCIPLINES)],
                roles=sorted(change.roles),
                active=change.active,
                memberships=[
                    MembershipSnapshot(
                        team_id=teams[team],
                        role_in_team=role,
                        valid_from=date(2026, 1, version),
                    )
                    for team, role in change.memberships
                ],
                version=version,
            )
            for version, change in enumerate(practitioner_history, start=1)
        ]
        records.append(Record(projection.tables.practitioners, people[person], snapshots))
    for team_index, team_history in enumerate(history.teams):
        snapshots = [
            TeamSnapshot(
                team_id=teams[team_index],
                name=f"Synthetic team {change.name}",
                code=f"SYN-{change.name}",
                active=change.active,
                version=version,
            )
            for version, change in enumerate(team_history, start=1)
        ]
        records.append(Record(projection.tables.teams, teams[team_index], snapshots))
    return records


# What the projection holds, in the snapshots' own terms ----------------------------------------


async def held(engine: AsyncEngine, record: Record) -> BaseModel | None:
    """The record as the projection now holds it, rebuilt as a snapshot (None: not held)."""
    table = record.table
    async with engine.connect() as connection:
        row = (await connection.execute(select(table).where(table.c.id == record.key))).first()
        if row is None:
            return None
        values: dict[str, Any] = dict(row._mapping)
        values.pop("projected_at")
        kind = type(record.snapshots[0])
        if kind is PractitionerSnapshot:
            memberships = projection.tables.memberships
            values["memberships"] = [
                dict(m._mapping)
                for m in await connection.execute(
                    select(
                        memberships.c.team_id,
                        memberships.c.role_in_team,
                        memberships.c.valid_from,
                        memberships.c.valid_to,
                    )
                    .where(memberships.c.practitioner_id == record.key)
                    .order_by(memberships.c.position)
                )
            ]
    key = {
        CaseSnapshot: "case_id",
        AllocationSnapshot: "allocation_id",
        PractitionerSnapshot: "practitioner_id",
        TeamSnapshot: "team_id",
    }[kind]
    values[key] = values.pop("id")
    return kind.model_validate(values)


# Running it: one app and one event loop for every example --------------------------------------


@dataclass
class Inbox:
    """Supervision's real app, its inbox reached over ASGI from a loop of the test's own."""

    runner: asyncio.Runner
    client: httpx.AsyncClient
    engine: AsyncEngine

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(work)


@pytest.fixture(scope="module")
def inbox(kernel_settings: KernelSettings, database_url: str) -> Iterator[Inbox]:
    """The supervision app, started once; Hypothesis runs its examples synchronously."""
    # A loop factory keeps this runner from replacing the loop pytest-asyncio's tests run on.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        app = running(create_app(kernel_settings))
        client = runner.run(app.__aenter__())
        engine = create_async_engine(async_database_url(database_url), pool_size=2)
        try:
            yield Inbox(runner, client, engine)
        finally:
            runner.run(engine.dispose())
            runner.run(app.__aexit__(None, None, None))


async def deliver_all(client: httpx.AsyncClient, events: list[CloudEvent]) -> None:
    for event in events:
        response = await deliver(client, event)
        assert response.status_code == 204, response.text


async def projection_of(engine: AsyncEngine, records: list[Record]) -> list[BaseModel | None]:
    return [await held(engine, record) for record in records]


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(history=histories(), data=st.data())
def test_duplicated_reordered_withheld_and_replayed_deliveries_converge(
    inbox: Inbox, history: History, data: st.DataObject
) -> None:
    records = materialise(history)
    events = [(r, v, event_of(s)) for r in records for v, s in enumerate(r.snapshots, start=1)]
    count = len(events)
    order = data.draw(st.permutations(range(count)), label="order")
    withheld = data.draw(st.sets(st.sampled_from(range(count)), max_size=count), label="withheld")
    first_pass = [i for i in order if i not in withheld]
    if first_pass:
        twice = data.draw(st.lists(st.sampled_from(first_pass), max_size=count), label="twice")
        for again in twice:
            # A redelivery comes after the delivery it repeats, anywhere later.
            at = data.draw(st.integers(first_pass.index(again) + 1, len(first_pass)), label="at")
            first_pass.insert(at, again)
    replay_order = data.draw(st.permutations(sorted(withheld)), label="replayed")
    restated = data.draw(
        st.lists(st.booleans(), min_size=len(replay_order), max_size=len(replay_order)),
        label="restated rather than redelivered",
    )

    inbox.run(deliver_all(inbox.client, [events[i][2] for i in first_pass]))
    newest_delivered: dict[UUID, int] = {}
    for i in first_pass:
        record, version, _ = events[i]
        newest_delivered[record.key] = max(version, newest_delivered.get(record.key, 0))
    assert inbox.run(projection_of(inbox.engine, records)) == [
        r.snapshots[newest_delivered[r.key] - 1] if r.key in newest_delivered else None
        for r in records
    ]

    replays = [
        event_of(events[i][0].snapshots[-1], change=RESTATED) if restate else events[i][2]
        for i, restate in zip(replay_order, restated, strict=True)
    ]
    inbox.run(deliver_all(inbox.client, replays))
    assert inbox.run(projection_of(inbox.engine, records)) == [r.snapshots[-1] for r in records]
