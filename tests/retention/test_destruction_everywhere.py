"""The workbook destroys a case with the operator's command; its event, relayed by the
workbook's relay, makes supervision, intervention and the pathway tombstone their copies.
Afterwards the marker every text of the case carried is found in no column of any table of any
unit's schema, the skeleton stays, each unit has its certificate row and audit row, and the
case takes no new words anywhere."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.cli import main
from services.event_contracts import WORKBOOK_CASE_DESTROYED
from services.events import CloudEvent
from services.registry import BACKENDS, INTERVENTION, PATHWAY, SUPERVISION, WORKBOOK
from services.retention.tombstones import tombstone
from tests.access_matrix import personas as p
from tests.access_matrix.early_help import today
from tests.access_matrix.stack import Stack, relay_case_events
from tests.retention.scan import where_found
from tests.retention.world import (
    MarkedCase,
    call,
    close_long_ago,
    open_marked_case,
    record_pathway,
    record_programme,
    record_supervision,
    relay_to_workbook,
    review_for_destruction,
)
from tests.support.events import deliver

WORKFLOWS = (SUPERVISION, INTERVENTION, PATHWAY)
# What each unit keeps of the case as skeleton: rows that must still be there, tombstoned.
SKELETON = {
    "workbook": ("entry", "entry_revision", "chronology_event", "episode", "break_glass_grant"),
    "supervision": ("case_record", "decision", "gcs_action"),
    "intervention": ("enrolment", "programme_session", "parenting_assessment"),
    "pathway": ("involvement", "stage_change", "safety_mapping", "plan_review", "transfer"),
}
_THROUGH_PARENT = {
    "entry_revision": "entry_id IN (SELECT id FROM workbook.entry WHERE case_id = :case)",
    "decision": "record_id IN (SELECT id FROM supervision.case_record WHERE case_id = :case)",
}


async def rows_of(engine: AsyncEngine, schema: str, table: str, case_id: str) -> int:
    where = _THROUGH_PARENT.get(table, "case_id = :case")
    query = f"SELECT count(*) FROM {schema}.{table} WHERE {where}"  # noqa: S608
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query), {"case": UUID(case_id)}) or 0)


async def destroy(case_id: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """The operator's command, in its own event loop as from a shell; its exit code."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    command = ["retention", "destroy", "--case", case_id, "--operator", "ops-tester"]
    return await asyncio.to_thread(main, command)


async def recorded_everywhere(stack: Stack, engine: AsyncEngine) -> MarkedCase:
    case = await open_marked_case(stack)
    await record_pathway(stack, case)
    await record_programme(stack, case)
    await record_supervision(stack, case)
    # The workflows' chronology contributions reach the case's chronology on the record.
    await relay_to_workbook(stack)
    await close_long_ago(stack, engine, case)
    await review_for_destruction(stack, case)
    return case


async def destroyed_event(engine: AsyncEngine, case_id: str) -> list[dict[str, Any]]:
    query = text(
        "SELECT id, type, source, time, data FROM workbook.outbox_event"
        " WHERE type = :type AND data->>'case_id' = :case"
    )
    async with engine.connect() as connection:
        rows = await connection.execute(query, {"type": WORKBOOK_CASE_DESTROYED, "case": case_id})
        return [dict(row._mapping) for row in rows]


async def test_destruction_leaves_the_marker_nowhere_and_the_skeleton_everywhere(
    stack: Stack,
    engine: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = await recorded_everywhere(stack, engine)
    before = set(await where_found(engine, case.marker))
    skeleton = {
        (schema, table): await rows_of(engine, schema, table, case.case_id)
        for schema, tables in SKELETON.items()
        for table in tables
    }

    capsys.readouterr()
    code = await destroy(case.case_id, database_url, monkeypatch)
    printed = capsys.readouterr().out
    await relay_case_events(stack)
    after = await where_found(engine, case.marker)

    # The marker was everywhere the case was written about, in every unit, and in copies.
    assert {name.split(".")[0] for name in before} == {unit.schema for unit in BACKENDS}
    assert "workbook.idempotency_key.response_body" in before
    assert {
        "supervision.outbox_event.data",
        "supervision.record_amendment.previous",
        "supervision.worker_update.update",
        "supervision.case_record.lived_experience",
        "pathway.plan_review.progress",
        "workbook.chronology_event.summary",
    } <= before
    assert code == 0, printed
    match = re.match(r"certificate ([0-9a-f-]{36}):", printed)
    assert match is not None, printed
    certificate_id = UUID(match.group(1))
    assert after == []
    for (schema, table), count in skeleton.items():
        assert count > 0, (schema, table)
        assert await rows_of(engine, schema, table, case.case_id) == count, (schema, table)
    # Reads show the tombstones.
    mappings = await stack.call(
        p.SOCIAL_WORKER, PATHWAY, "GET", f"/cases/{case.case_id}/safety-mappings"
    )
    assert mappings.status_code == 200, mappings.text
    assert mappings.json()[0]["worries"] == tombstone(certificate_id)
    entry = await stack.call(
        p.TEAM_MANAGER, WORKBOOK, "GET", f"/cases/{case.case_id}/entries/{case.ids['entry']}"
    )
    assert entry.status_code == 200, entry.text
    assert tombstone(certificate_id) in entry.text
    async with engine.connect() as connection:
        for unit in WORKFLOWS:
            certificate = (
                await connection.execute(
                    text(
                        f"SELECT certificate_id, destroyed FROM {unit.schema}.retention_destruction"  # noqa: S608
                        " WHERE case_id = :case"
                    ),
                    {"case": UUID(case.case_id)},
                )
            ).one()
            assert certificate.certificate_id == certificate_id, unit.name
            assert sum(certificate.destroyed.values()) > 0, unit.name
        for unit in BACKENDS:
            audited = await connection.scalar(
                text(
                    f"SELECT count(*) FROM {unit.schema}.audit_log WHERE action = 'destroy'"  # noqa: S608
                    " AND purpose = 'data_protection' AND case_id = :case"
                    " AND details->>'certificate_id' = :certificate"
                ),
                {"case": UUID(case.case_id), "certificate": str(certificate_id)},
            )
            assert audited == 1, unit.name


async def test_the_event_is_applied_once_however_often_it_arrives(
    stack: Stack, engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = await open_marked_case(stack)
    await record_pathway(stack, case)
    await close_long_ago(stack, engine, case)
    await review_for_destruction(stack, case)
    assert await destroy(case.case_id, database_url, monkeypatch) == 0
    await relay_case_events(stack)
    [sent] = await destroyed_event(engine, case.case_id)
    again = CloudEvent(
        specversion="1.0",
        id=sent["id"],
        source=sent["source"],
        type=sent["type"],
        time=sent["time"],
        datacontenttype="application/json",
        data=sent["data"],
    )
    # The same event redelivered, and the same destruction told again under a new id.
    renewed = again.model_copy(update={"id": UUID(int=UUID(str(sent["id"])).int ^ 1)})

    for event in (again, renewed):
        for unit in WORKFLOWS:
            answered = await deliver(stack.clients[unit.name], event)
            assert answered.status_code == 204, (unit.name, answered.text)

    async with engine.connect() as connection:
        for unit in WORKFLOWS:
            certificates = await connection.scalar(
                text(
                    f"SELECT count(*) FROM {unit.schema}.retention_destruction"  # noqa: S608
                    " WHERE case_id = :case"
                ),
                {"case": UUID(case.case_id)},
            )
            audited = await connection.scalar(
                text(
                    f"SELECT count(*) FROM {unit.schema}.audit_log"  # noqa: S608
                    " WHERE action = 'destroy' AND case_id = :case"
                ),
                {"case": UUID(case.case_id)},
            )
            assert (certificates, audited) == (1, 1), unit.name
    assert await where_found(engine, case.marker) == []


async def test_a_destroyed_case_takes_no_new_words_in_any_unit(
    stack: Stack, engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = await open_marked_case(stack)
    await record_pathway(stack, case)
    await record_programme(stack, case)
    await record_supervision(stack, case)
    await close_long_ago(stack, engine, case)
    await review_for_destruction(stack, case)
    assert await destroy(case.case_id, database_url, monkeypatch) == 0
    await relay_case_events(stack)
    base = f"/cases/{case.case_id}"
    # Supervision refuses nothing for closure alone (a record stays open to correction).
    amendment = {"decision": "New words", "reason": "New words"}
    supervision = await stack.call(
        p.TEAM_MANAGER,
        SUPERVISION,
        "POST",
        f"{base}/decisions/{case.ids['decision']}/amendments",
        json=amendment,
    )

    mapping = {"worries": "New", "working_well": "New", "needs_to_happen": "New"}
    # As the team's manager: the workers' allocations ended with the case.
    pathway = await stack.call(
        p.TEAM_MANAGER,
        PATHWAY,
        "POST",
        f"{base}/safety-mappings",
        json={**mapping, "workers_judgement": 5},
    )
    enrolments = await stack.call(p.TEAM_MANAGER, INTERVENTION, "GET", f"{base}/enrolments")
    assert enrolments.status_code == 200, enrolments.text
    enrolment = enrolments.json()["enrolments"][0]["id"]
    session = {
        "held_on": today(),
        "attendance": "attended",
        "engagement": 3,
        "modules": ["module_1"],
        "summary": "New words",
    }
    programme = await stack.call(
        p.TEAM_MANAGER,
        INTERVENTION,
        "POST",
        f"{base}/enrolments/{enrolment}/sessions",
        json=session,
    )
    tag = (await stack.call(p.TEAM_MANAGER, WORKBOOK, "GET", base)).headers["etag"]
    reopened = await stack.call(
        p.TEAM_MANAGER,
        WORKBOOK,
        "POST",
        f"{base}/reopen",
        json={"reason": "New words"},
        headers={"If-Match": tag},
    )

    assert (pathway.status_code, pathway.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "case-closed",
    )
    assert (programme.status_code, programme.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "case-closed",
    )
    assert (supervision.status_code, supervision.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "case-destroyed",
    )
    assert (reopened.status_code, reopened.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "case-destroyed",
    )


async def test_a_held_case_is_refused_and_nothing_is_sent(
    stack: Stack,
    engine: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = await open_marked_case(stack)
    await record_pathway(stack, case)
    await close_long_ago(stack, engine, case)
    hold = {"reason": "Civil claim: preserve the whole record."}
    await call(stack, p.DPO, WORKBOOK, f"/retention/cases/{case.case_id}/holds", hold)
    await review_for_destruction(stack, case)
    before = await where_found(engine, case.marker)

    capsys.readouterr()
    code = await destroy(case.case_id, database_url, monkeypatch)
    said = capsys.readouterr().err
    await relay_case_events(stack)

    assert code == 1
    assert "legal hold" in said
    assert await destroyed_event(engine, case.case_id) == []
    assert await where_found(engine, case.marker) == before
    assert {name.split(".")[0] for name in before} >= {"workbook", "pathway"}
