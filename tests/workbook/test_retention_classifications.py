"""Retention classifications (workbook_api/retention/classifications.py): a case's record kept
longer because a child on it became looked after or was adopted; the due list and the
operator's destruction count from the latest of the case's rule and its classifications."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.settings import KernelSettings
from tests.workbook.factories import (
    Headers,
    audit_rows,
    case_world,
    create_family,
    member_id,
    open_case,
    principal,
)
from tests.workbook.test_retention import DPO, closed_long_ago, destroy, review

ORDER = "2021-06-01"
BORN = date(2019, 5, 4)  # tests/workbook/factories.py child()


def dpo(as_: Headers) -> dict[str, str]:
    """The DPO's headers, saying why they act (recorded on every audit row)."""
    return as_(DPO) | {"X-Access-Purpose": "data_protection"}


def classification(kind: str, person_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": kind,
        "person_id": person_id,
        "effective_on": ORDER,
        "reason": "Adoption order made; the agency's record is kept under reg. 42.",
    }
    return body | overrides


async def classify(
    client: httpx.AsyncClient, as_: Headers, world: Any, kind: str, **overrides: Any
) -> httpx.Response:
    return await client.post(
        f"/retention/cases/{world.case_id}/classifications",
        json=classification(kind, member_id(world, "child"), **overrides),
        headers=dpo(as_),
    )


async def due_by(client: httpx.AsyncClient, as_: Headers, day: date) -> dict[str, Any]:
    """Every case the due list shows by a day, by case id (all pages)."""
    due: dict[str, Any] = {}
    cursor = None
    while True:
        params: dict[str, str | int] = {"as_of": day.isoformat(), "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = await client.get("/retention/due", params=params, headers=dpo(as_))
        assert page.status_code == 200, page.text
        due |= {item["case_id"]: item for item in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return due


async def test_the_dpo_records_lists_and_withdraws_a_classification(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)  # open: a classification may come before closure
    recorded = await classify(client, as_, world, "adoption")
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    withdrawn = await client.post(
        f"/retention/classifications/{body['id']}/withdraw",
        json={"reason": "Recorded on the wrong case."},
        headers=dpo(as_),
    )
    again = await client.post(
        f"/retention/classifications/{body['id']}/withdraw",
        json={"reason": "Recorded on the wrong case."},
        headers=dpo(as_),
    )
    listed = await client.get(f"/retention/cases/{world.case_id}/classifications", headers=dpo(as_))

    assert body["kind"] == "adoption"
    assert body["person_id"] == member_id(world, "child")
    assert body["effective_on"] == ORDER
    assert body["standing"] is True
    assert body["recorded_by_name"] == "Demo DPO"
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["standing"] is False
    assert withdrawn.json()["withdraw_reason"] == "Recorded on the wrong case."
    assert again.status_code == 409
    assert listed.status_code == 200, listed.text
    [kept] = listed.json()["items"]  # withdrawn, still on record
    assert kept["id"] == body["id"]
    assert kept["standing"] is False
    [audit] = await audit_rows(db_engine, recorded)
    assert (audit.action, audit.resource_type) == ("classify", "retention_classification")
    assert audit.resource_id == body["id"]
    assert str(audit.case_id) == world.case_id
    assert audit.purpose == "data_protection"
    assert audit.details["kind"] == "adoption"
    [read] = await audit_rows(db_engine, listed)
    assert (read.action, read.purpose) == ("list", "data_protection")


async def test_only_the_dpo_classifies_and_only_known_records(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    body = classification("looked_after", member_id(world, "child"))
    path = f"/retention/cases/{world.case_id}/classifications"
    for who in (world.manager, world.social_worker, principal(roles=("auditor",))):
        assert (await client.post(path, json=body, headers=as_(who))).status_code == 403
        assert (await client.get(path, headers=as_(who))).status_code == 403
    assert (await client.post(path, json=body)).status_code == 401
    assert (await client.get(path)).status_code == 401
    nowhere = f"/retention/cases/{uuid.uuid4()}/classifications"
    assert (await client.post(nowhere, json=body, headers=dpo(as_))).status_code == 404
    assert (await client.get(nowhere, headers=dpo(as_))).status_code == 404
    missing = await client.post(
        f"/retention/classifications/{uuid.uuid4()}/withdraw",
        json={"reason": "Not there."},
        headers=dpo(as_),
    )
    assert missing.status_code == 404
    listed = await client.get(path, headers=dpo(as_))
    assert listed.json()["items"] == []


async def test_a_classification_names_a_child_of_the_case_family_on_sensible_days(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    elsewhere = await case_world(client, as_)
    path = f"/retention/cases/{world.case_id}/classifications"
    unborn_family = await create_family(
        client,
        as_(world.manager),
        team_id=world.team_id,
        members=[{"role": "child", "given_name": "Baby", "family_name": "Test"}],
    )
    cases = {
        "a parent": classification("adoption", member_id(world, "parent")),
        "another family's child": classification("adoption", member_id(elsewhere, "child")),
        "nobody": classification("adoption", str(uuid.uuid4())),
        "a future order": classification(
            "adoption", member_id(world, "child"), effective_on="2999-01-01"
        ),
        "before birth": classification(
            "looked_after", member_id(world, "child"), effective_on="2019-05-03"
        ),
        "a number for a day": classification(
            "adoption", member_id(world, "child"), effective_on=20210601
        ),
        "an unknown kind": classification("special_guardianship", member_id(world, "child")),
        "no reason": classification("adoption", member_id(world, "child"), reason=" "),
    }
    answers = {
        what: await client.post(path, json=body, headers=dpo(as_)) for what, body in cases.items()
    }
    assert {what: r.status_code for what, r in answers.items()} == dict.fromkeys(cases, 422)
    assert answers["a parent"].json()["errors"][0]["location"] == ["body", "person_id"]
    assert answers["a future order"].json()["errors"][0]["location"] == ["body", "effective_on"]
    assert answers["a parent"].headers["content-type"] == "application/problem+json"
    # Counting to a 75th birthday needs the birth day.
    unborn = unborn_family["members"][0]["id"]
    unborn_case = await open_case(
        client, as_(world.manager), family_id=unborn_family["id"], team_id=world.team_id
    )
    no_birthday = await client.post(
        f"/retention/cases/{unborn_case['id']}/classifications",
        json=classification("looked_after", unborn),
        headers=dpo(as_),
    )
    assert no_birthday.status_code == 422
    assert no_birthday.json()["errors"][0]["message"] == "Record the child's date of birth first."


async def test_an_adopted_childs_case_is_not_due_at_35_years_but_at_100_from_the_order(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    kernel_settings: KernelSettings,
) -> None:
    world = await closed_long_ago(client, as_, db_engine)  # due under child protection now
    plain = await closed_long_ago(client, as_, db_engine)
    recorded = await classify(client, as_, world, "adoption")
    assert recorded.status_code == 201, recorded.text
    today = date.today()

    due_now = await due_by(client, as_, today)
    the_day_before = await due_by(client, as_, date(2121, 5, 31))
    due_then = await due_by(client, as_, date(2121, 6, 1))
    reviewed = await review(client, as_, world.case_id, "destroy")
    _, refused = await destroy(db_engine, kernel_settings, world.case_id)

    assert plain.case_id in due_now
    assert due_now[plain.case_id]["rule"] == "child_protection"
    assert world.case_id not in due_now
    assert world.case_id not in the_day_before
    assert due_then[world.case_id]["rule"] == "adoption"
    assert due_then[world.case_id]["due_on"] == "2121-06-01"
    assert "adoption order" in due_then[world.case_id]["rule_description"]
    assert reviewed["rule"] == "adoption"
    assert reviewed["due_on"] == "2121-06-01"
    assert reviewed["authorises_destruction"] is False
    assert refused is not None
    assert "adoption rule until 2121-06-01" in refused

    # Withdrawn (recorded in error), the case's own rule keeps it again: due now.
    withdrawn = await client.post(
        f"/retention/classifications/{recorded.json()['id']}/withdraw",
        json={"reason": "The order was for a child of another family."},
        headers=dpo(as_),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    after = await due_by(client, as_, today)
    assert after[world.case_id]["rule"] == "child_protection"


async def test_a_looked_after_childs_case_falls_due_on_the_childs_75th_birthday(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    kernel_settings: KernelSettings,
) -> None:
    world = await closed_long_ago(client, as_, db_engine)
    recorded = await classify(client, as_, world, "looked_after", effective_on="2020-01-15")
    assert recorded.status_code == 201, recorded.text
    birthday = date(BORN.year + 75, BORN.month, BORN.day)

    before = await due_by(client, as_, date(birthday.year, birthday.month, birthday.day - 1))
    on_the_day = await due_by(client, as_, birthday)
    _, refused = await destroy(db_engine, kernel_settings, world.case_id)

    assert world.case_id not in before
    assert on_the_day[world.case_id]["rule"] == "looked_after"
    assert on_the_day[world.case_id]["due_on"] == birthday.isoformat()
    assert refused is not None
    assert f"looked_after rule until {birthday.isoformat()}" in refused


async def test_the_schedule_endpoint_shows_the_configured_periods(
    client: httpx.AsyncClient, as_: Headers, kernel_settings: KernelSettings
) -> None:
    rules = await client.get("/retention/rules", headers=dpo(as_))
    assert rules.status_code == 200, rules.text
    years = {rule["kind"]: rule["years"] for rule in rules.json()}
    assert years == {
        "child_protection": kernel_settings.retention_child_protection_years,
        "looked_after": kernel_settings.retention_looked_after_age,
        "adoption": kernel_settings.retention_adoption_years,
        "early_help": kernel_settings.retention_early_help_years,
    }
