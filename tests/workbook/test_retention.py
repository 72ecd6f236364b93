"""Retention of workbook cases: the due list, legal holds, reviews, and the operator's
destruction, which a legal hold stops (workbook_api/retention/)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.cli import main
from services.errors import ProblemError
from services.retention.rules import add_years, retention_schedule
from services.settings import KernelSettings
from tests.workbook.factories import Headers, case_world, principal, record_entry
from workbook_api.retention.destruction import destroy_with

DPO = principal(discipline="business_support", roles=("dpo",), name="Demo DPO")
REASON = "Closed record reviewed against the schedule; no further need."


async def closed_long_ago(
    client: httpx.AsyncClient, as_: Headers, engine: AsyncEngine, *, years_ago: int = 40
) -> Any:
    """A case with an entry, closed `years_ago` years back (time moved in the database)."""
    world = await case_world(client, as_)
    await record_entry(client, as_(world.social_worker), world.case_id)
    manager = as_(world.manager)
    etag = (await client.get(f"/cases/{world.case_id}", headers=manager)).headers["etag"]
    closed = await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Family no longer needs the service"},
        headers=manager | {"If-Match": etag},
    )
    assert closed.status_code == 200, closed.text
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE workbook.safeguarding_case SET closed_at = closed_at - make_interval("
                "years => :years) WHERE id = :id"
            ),
            {"years": years_ago, "id": world.case_id},
        )
    return world


async def review(client: httpx.AsyncClient, as_: Headers, case_id: str, decision: str) -> Any:
    response = await client.post(
        f"/retention/cases/{case_id}/reviews",
        json={"decision": decision, "reason": REASON},
        headers=as_(DPO),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def destroy(
    engine: AsyncEngine, settings: KernelSettings, case_id: str
) -> tuple[Any, str | None]:
    maker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        return await destroy_with(maker, settings, uuid.UUID(case_id), "ops-tester"), None
    except ProblemError as refused:
        return None, refused.detail


def test_each_rule_counts_from_its_own_day() -> None:
    rules = retention_schedule(early_help_years=7)
    closed = date(2026, 3, 31)
    assert rules["child_protection"].due_on(closed_on=closed, youngest_born_on=None) == date(
        2061, 3, 31
    )
    assert rules["adoption"].due_on(closed_on=closed, youngest_born_on=None) == date(2126, 3, 31)
    assert rules["early_help"].due_on(closed_on=closed, youngest_born_on=None) == date(2033, 3, 31)
    born = date(2012, 2, 29)
    assert rules["looked_after"].due_on(closed_on=closed, youngest_born_on=born) == date(
        2087, 2, 28
    )
    assert rules["looked_after"].due_on(closed_on=closed, youngest_born_on=None) is None
    assert rules["child_protection"].due_on(closed_on=None, youngest_born_on=born) is None
    assert add_years(date(2024, 2, 29), -35) == date(1989, 2, 28)


async def test_the_due_list_shows_cases_past_their_period_with_holds(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    old = await closed_long_ago(client, as_, db_engine)
    recent = await closed_long_ago(client, as_, db_engine, years_ago=1)
    held = await client.post(
        f"/retention/cases/{old.case_id}/holds",
        json={"reason": "Civil claim against the council: preserve everything."},
        headers=as_(DPO),
    )
    assert held.status_code == 201, held.text

    due: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.get(
            "/retention/due",
            params={"limit": 200} | ({"cursor": cursor} if cursor else {}),
            headers=as_(DPO),
        )
        assert page.status_code == 200, page.text
        due += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    by_case = {item["case_id"]: item for item in due}
    future = await client.get(
        "/retention/due", params={"as_of": "2100-01-01", "limit": 200}, headers=as_(DPO)
    )

    assert by_case[old.case_id]["rule"] == "child_protection"
    assert by_case[old.case_id]["on_hold"] is True
    assert recent.case_id not in by_case
    assert recent.case_id in {item["case_id"] for item in future.json()["items"]} or (
        future.json()["next_cursor"] is not None
    )
    ancient = await client.get("/retention/due", params={"as_of": "0010-01-01"}, headers=as_(DPO))
    assert ancient.status_code == 200
    assert ancient.json()["items"] == []


async def test_only_the_dpo_manages_retention(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    for who in (world.manager, world.social_worker, principal(roles=("auditor",))):
        assert (await client.get("/retention/due", headers=as_(who))).status_code == 403
        placed = await client.post(
            f"/retention/cases/{world.case_id}/holds",
            json={"reason": "Trying to hold a record I may not."},
            headers=as_(who),
        )
        assert placed.status_code == 403
    missing = await client.post(
        f"/retention/cases/{uuid.uuid4()}/holds",
        json={"reason": "A hold on a case that is not there."},
        headers=as_(DPO),
    )
    assert missing.status_code == 404
    short = await client.post(
        f"/retention/cases/{world.case_id}/holds", json={"reason": "   "}, headers=as_(DPO)
    )
    assert short.status_code == 422
    assert (await client.get("/retention/due")).status_code == 401


async def test_a_case_under_legal_hold_survives_destruction_which_says_why(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    kernel_settings: KernelSettings,
) -> None:
    world = await closed_long_ago(client, as_, db_engine)
    placed = await client.post(
        f"/retention/cases/{world.case_id}/holds",
        json={"reason": "Independent inquiry into the family's case: preserve."},
        headers=as_(DPO),
    )
    assert placed.status_code == 201, placed.text
    reviewed = await review(client, as_, world.case_id, "destroy")

    certificate, refusal = await destroy(db_engine, kernel_settings, world.case_id)

    assert reviewed["authorises_destruction"] is False
    assert certificate is None
    assert refusal is not None
    assert "legal hold" in refusal
    assert "Independent inquiry" in refusal
    entries = await client.get(f"/cases/{world.case_id}/entries", headers=as_(world.manager))
    assert entries.status_code == 200, entries.text
    assert all("destroyed" not in (e.get("narrative") or "") for e in entries.json()["items"])


async def test_after_review_and_with_the_hold_lifted_destruction_leaves_tombstones(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    kernel_settings: KernelSettings,
) -> None:
    world = await closed_long_ago(client, as_, db_engine)
    placed = await client.post(
        f"/retention/cases/{world.case_id}/holds",
        json={"reason": "Complaint under investigation: preserve until closed."},
        headers=as_(DPO),
    )
    hold_id = placed.json()["id"]
    lifted = await client.post(
        f"/retention/holds/{hold_id}/lift",
        json={"reason": "Complaint closed with no further action."},
        headers=as_(DPO),
    )
    again = await client.post(
        f"/retention/holds/{hold_id}/lift",
        json={"reason": "Complaint closed with no further action."},
        headers=as_(DPO),
    )
    _, unreviewed = await destroy(db_engine, kernel_settings, world.case_id)
    await review(client, as_, world.case_id, "retain")
    _, retained = await destroy(db_engine, kernel_settings, world.case_id)
    reviewed = await review(client, as_, world.case_id, "destroy")

    certificate, refusal = await destroy(db_engine, kernel_settings, world.case_id)
    _, twice = await destroy(db_engine, kernel_settings, world.case_id)

    assert lifted.status_code == 200
    assert lifted.json()["active"] is False
    assert again.status_code == 409
    assert unreviewed is not None
    assert "not been reviewed" in unreviewed
    assert retained is not None
    assert "retain" in retained
    assert reviewed["authorises_destruction"] is True
    assert refusal is None
    assert certificate.destroyed["entries"] == 1
    assert twice is not None
    assert "destroyed already" in twice
    entries = await client.get(f"/cases/{world.case_id}/entries", headers=as_(world.manager))
    assert entries.status_code == 200, entries.text
    [entry] = entries.json()["items"]
    assert str(certificate.id) in entry["narrative"]
    async with db_engine.connect() as connection:
        audit = (
            await connection.execute(
                text(
                    "SELECT actor_subject, details FROM workbook.audit_log"
                    " WHERE case_id = :id AND action = 'destroy'"
                ),
                {"id": world.case_id},
            )
        ).one()
        stored = (
            await connection.execute(
                text(
                    "SELECT operator, rule FROM workbook.retention_certificate WHERE case_id = :id"
                ),
                {"id": world.case_id},
            )
        ).one()
    listed = await client.get("/retention/certificates", params={"limit": 200}, headers=as_(DPO))
    assert listed.status_code == 200, listed.text
    [shown] = [c for c in listed.json()["items"] if c["case_id"] == world.case_id]
    assert shown["id"] == str(certificate.id)
    assert shown["operator"] == "ops-tester"
    assert shown["destroyed"]["entries"] == 1
    refused = await client.get("/retention/certificates", headers=as_(world.manager))
    assert refused.status_code == 403
    assert audit.actor_subject == "operator:ops-tester"
    assert audit.details["certificate_id"] == str(certificate.id)
    assert tuple(stored) == ("ops-tester", "child_protection")


async def test_an_open_case_is_never_destroyed(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    kernel_settings: KernelSettings,
) -> None:
    world = await case_world(client, as_)
    reviewed = await review(client, as_, world.case_id, "destroy")
    _, refusal = await destroy(db_engine, kernel_settings, world.case_id)
    assert reviewed["authorises_destruction"] is False
    assert refusal is not None
    assert "open" in refusal


@pytest.mark.parametrize("decision", ["shred", ""])
async def test_a_review_needs_a_known_decision(
    client: httpx.AsyncClient, as_: Headers, decision: str
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        f"/retention/cases/{world.case_id}/reviews",
        json={"decision": decision, "reason": REASON},
        headers=as_(DPO),
    )
    assert response.status_code == 422


async def test_the_operator_command_refuses_a_held_case_and_says_why(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = await closed_long_ago(client, as_, db_engine)
    placed = await client.post(
        f"/retention/cases/{world.case_id}/holds",
        json={"reason": "Police investigation: preserve the whole record."},
        headers=as_(DPO),
    )
    assert placed.status_code == 201, placed.text
    await review(client, as_, world.case_id, "destroy")
    monkeypatch.setenv("DATABASE_URL", database_url)
    command = ["retention", "destroy", "--case", world.case_id, "--operator", "ops-tester"]

    # The command runs its own event loop, as it does from a shell.
    held = await asyncio.to_thread(main, command)
    said = capsys.readouterr()
    lifted = await client.post(
        f"/retention/holds/{placed.json()['id']}/lift",
        json={"reason": "Investigation closed."},
        headers=as_(DPO),
    )
    assert lifted.status_code == 200
    destroyed = await asyncio.to_thread(main, command)
    certificate = capsys.readouterr()

    assert held == 1
    assert "nothing destroyed" in said.err
    assert "legal hold" in said.err
    assert "Police investigation" in said.err
    assert destroyed == 0
    assert certificate.out.startswith("certificate ")
    assert "ops-tester" in certificate.out


async def test_an_early_help_case_is_kept_by_the_councils_early_help_rule(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine, kernel_settings: KernelSettings
) -> None:
    years = kernel_settings.retention_early_help_years
    statutory = await closed_long_ago(client, as_, db_engine, years_ago=years + 2)
    early_help = await closed_long_ago(client, as_, db_engine, years_ago=years + 2)
    async with db_engine.begin() as connection:
        # Recorded as an early help involvement (the kind a case is opened with).
        await connection.execute(
            text("UPDATE workbook.safeguarding_case SET kind = 'early_help' WHERE id = :id"),
            {"id": early_help.case_id},
        )

    due: dict[str, Any] = {}
    cursor = None
    while True:
        page = await client.get(
            "/retention/due",
            params={"limit": 200} | ({"cursor": cursor} if cursor else {}),
            headers=as_(DPO),
        )
        assert page.status_code == 200, page.text
        due |= {item["case_id"]: item for item in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    assert due[early_help.case_id]["rule"] == "early_help"
    assert statutory.case_id not in due
    # The statutory case closed as long ago is still kept, and the operator's command says so.
    _, refused = await destroy(db_engine, kernel_settings, statutory.case_id)
    assert refused is not None
    assert "child_protection rule" in refused
