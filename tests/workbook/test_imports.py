"""Bulk imports: background jobs with a dry run, progress, per-row errors and a readable result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    audit_rows,
    manager_of,
    practitioner_in,
    principal,
    random_nhs_number,
    random_upn,
    register_practitioner,
    system_principal,
)
from tests.workbook.imports_support import (
    SYSTEM,
    csv_file,
    errors_of,
    family_rows,
    finished,
    ndjson_file,
    run_import,
    start_import,
)


def people_rows(family_key: str, count: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "pers_person_id": f"{tag}-{i}",
            "fami_family_id": family_key,
            "person_role": "child",
            "given_name": f"Child {i}",
            "family_name": "Imported",
            "pers_dob": "2015-04-15 00:00:00",
            "pers_sex": "F" if i % 2 else "M",
            "pers_common_child_id": random_nhs_number(),
            "upn": random_upn(),
        }
        for i in range(1, count + 1)
    ]


async def count(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(sql), params) or 0)


async def test_families_import_creates_them_once_and_a_rerun_changes_nothing(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system = as_(system_principal())
    team = uuid.uuid4()
    content = csv_file(family_rows(team, 25))

    response = await start_import(client, system, "families", content)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/imports/{response.json()['id']}"
    assert response.json()["status"] == "queued"
    [audit] = await audit_rows(db_engine, response)
    assert (audit.action, audit.resource_type, audit.details["kind"]) == (
        "create",
        "import_job",
        "families",
    )
    job = await finished(client, system, response.json()["id"])
    assert job["status"] == "succeeded", job
    assert (job["rows_total"], job["rows_done"], job["progress"]) == (25, 25, 1.0)
    assert job["records_created"] == 25
    assert "25 created" in job["summary"]
    manager = manager_of(team)
    listed = await client.get(
        "/families", params={"owning_team_id": str(team)}, headers=as_(manager)
    )
    assert len(listed.json()["items"]) == 25

    again = await run_import(client, system, "families", content)
    assert (again["records_created"], again["records_unchanged"]) == (0, 25)
    assert (
        await count(
            db_engine, "SELECT count(*) FROM workbook.family WHERE owning_team_id = :t", t=team
        )
        == 25
    )


async def test_a_dry_run_with_bad_rows_names_each_row_and_field_and_imports_nothing(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system = as_(system_principal())
    team = uuid.uuid4()
    rows = family_rows(team, 4)
    rows[1]["owning_team_id"] = "not-a-team"
    rows[2]["family_name"] = ""
    rows.append(dict(rows[0]))  # the same external id twice

    job = await run_import(client, system, "families", csv_file(rows), dry_run=True)

    assert job["status"] == "succeeded", job
    assert job["dry_run"] is True
    assert (job["records_created"], job["rows_failed"]) == (2, 3)
    assert job["summary"].startswith("Dry run, nothing was changed.")
    errors = await errors_of(client, system, job["id"])
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (3, "owning_team_id", "uuid_parsing"),
        (4, "family_name", "missing"),
        (6, "fami_family_id", "duplicate_key"),
    ]
    assert all("not-a-team" not in e["message"] for e in errors)
    assert (
        await count(
            db_engine, "SELECT count(*) FROM workbook.family WHERE owning_team_id = :t", t=team
        )
        == 0
    )
    assert (
        await count(
            db_engine,
            "SELECT count(*) FROM workbook.external_id WHERE value LIKE :p",
            p=rows[0]["fami_family_id"].rsplit("-", 1)[0] + "-%",
        )
        == 0
    )


async def test_a_file_that_cannot_be_read_is_refused_at_once(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    missing = await start_import(client, system, "people", b"pers_person_id,given_name\nP1,A\n")
    assert missing.status_code == 422
    assert (
        "Missing columns for people: fami_family_id, family_name, person_role"
        in (missing.json()["detail"])
    )
    unknown = await start_import(
        client, system, "families", b"fami_family_id,family_name,owning_team_id,colour\n"
    )
    assert "Unknown columns for families: colour" in unknown.json()["detail"]
    wrong_type = await client.post(
        "/imports",
        params={"kind": "families", "system": SYSTEM},
        content=b"x",
        headers={**system, "Content-Type": "application/pdf"},
    )
    assert wrong_type.status_code == 415
    broken_gzip = await client.post(
        "/imports",
        params={"kind": "families", "system": SYSTEM},
        content=b"not gzip",
        headers={**system, "Content-Type": "text/csv", "Content-Encoding": "gzip"},
    )
    assert broken_gzip.status_code == 422
    assert broken_gzip.json()["detail"] == "The file is not valid gzip."


async def test_imports_are_for_the_system_of_record_and_administrators(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    content = csv_file(family_rows(team, 1))
    for who in (manager_of(team), practitioner_in(team)):
        assert (await start_import(client, as_(who), "families", content)).status_code == 403
        assert (await client.get("/imports", headers=as_(who))).status_code == 403
    administrator = as_(principal(discipline="business_support", roles=("administrator",)))
    job = await run_import(client, administrator, "families", content, dry_run=True)
    assert job["status"] == "succeeded"
    assert (await client.get("/imports", headers=administrator)).status_code == 200
    anonymous = await client.post(
        "/imports", params={"kind": "families", "system": SYSTEM}, content=content
    )
    assert anonymous.status_code == 401
    missing = await client.get(f"/imports/{uuid.uuid4()}", headers=as_(system_principal()))
    assert missing.status_code == 404


async def test_people_import_gzip_ndjson_matches_and_queues_reviews(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system = as_(system_principal())
    team = uuid.uuid4()
    family_key = f"F{uuid.uuid4().hex[:8]}"
    await run_import(client, system, "families", csv_file(family_rows(team, 1, family_key)))
    family_key = f"{family_key}-1"
    tag = f"P{uuid.uuid4().hex[:8]}"
    rows = people_rows(family_key, 5, tag)
    # The last person repeats the first one's NHS number: two source records, one child.
    rows[4]["pers_common_child_id"] = rows[0]["pers_common_child_id"]
    rows[3]["pers_sex"] = "X"

    job = await run_import(
        client, system, "people", ndjson_file(rows), media="application/x-ndjson", gzipped=True
    )

    assert job["status"] == "succeeded", job
    assert (job["records_created"], job["records_for_review"], job["rows_failed"]) == (3, 1, 1)
    [error] = await errors_of(client, system, job["id"])
    assert (error["row"], error["field"], error["code"]) == (4, "pers_sex", "invalid")
    manager = manager_of(team)
    queue = await client.get(
        "/match-reviews", params={"import_id": job["id"]}, headers=as_(manager)
    )
    [review] = queue.json()["items"]
    assert (review["external_id"], review["import_row"]) == (f"{tag}-5", 5)
    assert review["candidates"][0]["conflicts"] == ["external_id"]
    assert review["candidates"][0]["person"]["given_name"] == "Child 1"


async def test_cases_import_announces_each_case_as_the_api_does(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system = as_(system_principal())
    team = uuid.uuid4()
    tag = f"F{uuid.uuid4().hex[:8]}"
    await run_import(client, system, "families", csv_file(family_rows(team, 3, tag)))
    opened = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S")
    closed = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d")
    case_tag = f"C{uuid.uuid4().hex[:8]}"
    rows = [
        {
            "cine_referral_id": f"{case_tag}-1",
            "fami_family_id": f"{tag}-1",
            "owning_team_id": str(team),
            "cine_referral_date": opened,
            "cine_close_date": "",
            "cine_close_reason": "",
        },
        {
            "cine_referral_id": f"{case_tag}-2",
            "fami_family_id": f"{tag}-2",
            "owning_team_id": str(team),
            "cine_referral_date": opened,
            "cine_close_date": closed,
            "cine_close_reason": "RC9",
        },
        {
            "cine_referral_id": f"{case_tag}-3",
            "fami_family_id": f"{tag}-1",
            "owning_team_id": str(team),
            "cine_referral_date": opened,
            "cine_close_date": "",
            "cine_close_reason": "",
        },
    ]

    job = await run_import(client, system, "cases", csv_file(rows))

    assert (job["records_created"], job["rows_failed"]) == (2, 1), job
    [error] = await errors_of(client, system, job["id"])
    assert (error["row"], error["field"], error["code"]) == (
        4,
        "fami_family_id",
        "case_already_open",
    )
    open_case = await client.get(f"/cases/by-external-id/{SYSTEM}/{case_tag}-1", headers=system)
    closed_case = await client.get(f"/cases/by-external-id/{SYSTEM}/{case_tag}-2", headers=system)
    assert open_case.json()["status"] == "open"
    assert closed_case.json()["status"] == "closed"
    assert closed_case.json()["closed_reason"] == (
        "RC9: Case closed after assessment, referred to early help"
    )
    async with db_engine.connect() as connection:
        events = list(
            await connection.execute(
                text(
                    "SELECT type, subject, data FROM workbook.outbox_event"
                    " WHERE subject IN (:a, :b) ORDER BY position"
                ),
                {"a": f"cases/{open_case.json()['id']}", "b": f"cases/{closed_case.json()['id']}"},
            )
        )
        [chunk] = list(
            await connection.scalars(
                text(
                    "SELECT details FROM workbook.audit_log"
                    " WHERE resource_id = :job AND action = 'import'"
                ),
                {"job": job["id"]},
            )
        )
    # Each case as it now stands, with its row's version (subscribers keep the newest): a case
    # imported closed is one snapshot, closed, carrying when it opened and closed.
    assert [(e.type.rsplit(".", 2)[-2:], e.data["status"], e.data["version"]) for e in events] == [
        (["case", "opened"], "open", 1),
        (["case", "closed"], "closed", 1),
    ]
    assert events[1].data["opened_at"]
    assert events[1].data["closed_at"]
    assert (chunk["kind"], chunk["rows"], chunk["created"], chunk["failed"]) == (
        "cases",
        [2, 4],
        2,
        1,
    )
    manager = manager_of(team)
    episodes = await client.get(f"/cases/{closed_case.json()['id']}/episodes", headers=as_(manager))
    [episode] = episodes.json()["items"]
    assert episode["closed_at"] is not None

    worker = practitioner_in(team)
    await register_practitioner(client, worker)
    allocations = [
        {
            "invo_involvements_id": f"A{uuid.uuid4().hex[:8]}",
            "invo_referral_id": f"{case_tag}-1",
            "practitioner_id": str(worker.practitioner_id),
            "discipline": "social_worker",
            "is_allocated_social_worker": "Y",
            "invo_involvement_start_date": opened,
        },
        {
            "invo_involvements_id": f"A{uuid.uuid4().hex[:8]}",
            "invo_referral_id": f"{case_tag}-1",
            "practitioner_id": str(uuid.uuid4()),
            "discipline": "social_worker",
            "is_allocated_social_worker": "N",
            "invo_involvement_start_date": opened,
        },
    ]
    job = await run_import(client, system, "allocations", csv_file(allocations))
    assert (job["records_created"], job["rows_failed"]) == (1, 1), job
    [error] = await errors_of(client, system, job["id"])
    assert (error["row"], error["field"], error["code"]) == (
        3,
        "practitioner_id",
        "unknown_practitioner",
    )
    assert (
        await client.get(f"/cases/{open_case.json()['id']}", headers=as_(worker))
    ).status_code == 200


async def test_imported_cases_take_their_kind_from_the_file(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    team = uuid.uuid4()
    tag = f"F{uuid.uuid4().hex[:8]}"
    await run_import(client, system, "families", csv_file(family_rows(team, 2, tag)))
    opened = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S")
    case_tag = f"K{uuid.uuid4().hex[:8]}"

    def case_row(number: int, family: int, kind: str | None) -> dict[str, Any]:
        row = {
            "cine_referral_id": f"{case_tag}-{number}",
            "fami_family_id": f"{tag}-{family}",
            "owning_team_id": str(team),
            "cine_referral_date": opened,
        }
        return row if kind is None else {**row, "case_kind": kind}

    rows = [
        case_row(1, 1, "early_help"),
        # One open case of each kind per family: early help and Family Safeguarding side by side.
        case_row(2, 1, "family_safeguarding"),
        case_row(3, 1, "early_help"),
        case_row(4, 2, ""),
        case_row(5, 2, "universal"),
    ]

    job = await run_import(client, system, "cases", csv_file(rows))

    errors = await errors_of(client, system, job["id"])
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (4, "fami_family_id", "case_already_open"),
        (6, "case_kind", errors[1]["code"]),
    ]
    kinds = {}
    for number in (1, 2, 4):
        case = await client.get(
            f"/cases/by-external-id/{SYSTEM}/{case_tag}-{number}", headers=system
        )
        assert case.status_code == 200, case.text
        kinds[number] = case.json()["kind"]
    # No kind in the file: Family Safeguarding, the workbook's own default.
    assert kinds == {1: "early_help", 2: "family_safeguarding", 4: "family_safeguarding"}
    # A case's kind never changes: the same key with another kind is refused.
    again = await run_import(
        client, system, "cases", csv_file([case_row(1, 1, "family_safeguarding")])
    )
    [error] = await errors_of(client, system, again["id"])
    assert (error["field"], error["code"]) == ("case_kind", "kind_differs")
