"""A subject access request for a parent, end to end: the other parent's restricted session
detail and a neighbour named in a note are redacted, the social worker's name is kept."""

from __future__ import annotations

import hashlib
import io
import json

import httpx
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.subject_access.helpers import DPO, all_pages, register, wait_for
from tests.subject_access.world import record_the_family, sar_world
from tests.workbook.conftest import Headers

RESTRICTED = "[REDACTED: third party: another person's restricted detail]"
PUBLIC = "[REDACTED: third party: member of the public]"
FAMILY = "[REDACTED: third party: family member]"


async def test_a_parents_bundle_withholds_the_other_parent_and_the_neighbour(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await sar_world(client, as_)
    await record_the_family(client, as_, world)
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"), requester_name="Dana Whitfield")
    assert sar["due_on"] == "2026-12-02"

    started = await client.post(f"/subject-access/requests/{sar['id']}/exports", headers=dpo)
    assert started.status_code == 202, started.text
    ready = await wait_for(client, dpo, started.json()["id"], "in_review")
    assert ready["cases_done"] == ready["cases_total"] == 1
    base = f"/subject-access/exports/{ready['id']}"
    proposed = await all_pages(client, dpo, f"{base}/redactions")
    by_text = {(r["reason"], r["text"]) for r in proposed}
    assert ("member_of_public", "Pat Fenwick") in by_text
    assert ("family_member", "Lee") in by_text
    assert ("family_member", "Rory") in by_text
    restricted = [r for r in proposed if r["reason"] == "other_persons_restricted_detail"]
    # Lee's session: its restricted narrative and its restricted test results.
    assert {r["text"] for r in restricted} >= {"Lee spoke about relapse after the funeral."}
    assert all("Dana" not in r["text"] for r in restricted)
    assert not any("Alex Morgan" in r["text"] or r["text"] == "Dana" for r in proposed)

    # The reviewer keeps the child's name (the subject's own child) and confirms the rest.
    rory = next(r for r in proposed if r["text"] == "Rory")
    kept = await client.post(
        f"{base}/redactions/{rory['id']}/decision",
        json={"decision": "removed", "note": "Her own child, known to her."},
        headers=dpo,
    )
    assert kept.status_code == 200, kept.text
    early = await client.post(f"{base}/bundle", headers=dpo)
    assert early.status_code == 409
    confirmed = await client.post(f"{base}/redactions/confirm-remaining", headers=dpo)
    assert confirmed.json()["confirmed"] == len(proposed) - 1
    queued = await client.post(f"{base}/bundle", headers=dpo)
    assert queued.status_code == 202, queued.text
    await wait_for(client, dpo, ready["id"], "bundled")

    described = (await client.get(f"{base}/bundle", headers=dpo)).json()
    pdf = await client.get(f"{base}/bundle.pdf", headers=dpo)
    document = await client.get(f"{base}/bundle.json", headers=dpo)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == described["pdf_sha256"]
    assert hashlib.sha256(document.content).hexdigest() == described["json_sha256"]
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    printed = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Index" in printed
    assert "Alex Morgan visited the family home" in printed
    assert "Fenwick" not in printed
    assert "relapse" not in printed
    records = json.loads(document.content)["records"]
    words = json.dumps(records)
    visit = next(r for r in records if r["kind"] == "home_visit")
    note = visit["sections"][0]["text"]
    assert note.startswith("Alex Morgan visited the family home. Dana said ")
    assert f"said {FAMILY} had been drinking" in note
    assert f"neighbour {PUBLIC} told me" in note
    assert "Rory was calm" in note
    assert visit["recorded_by"] == "Alex Morgan"
    sessions = [r for r in records if r["kind"] == "mdt_session"]
    lee, dana = sorted(sessions, key=lambda r: "Dana" in json.dumps(r))
    assert {"label": "Record", "text": RESTRICTED} in lee["sections"]
    assert {"label": "Restricted details", "text": RESTRICTED} in lee["sections"]
    assert "Dana described six weeks without alcohol." in json.dumps(dana)
    assert "Test result: negative" in json.dumps(dana)
    for secret in ("relapse", "Fenwick", "positive", "Lee "):
        assert secret not in words, secret

    sent = await client.post(
        f"{base}/disclosures",
        json={
            "disclosed_to": "Dana Whitfield",
            "method": "secure_email",
            "disclosed_on": "2026-11-30",
        },
        headers=dpo,
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["pdf_sha256"] == described["pdf_sha256"]
    after = (await client.get(f"/subject-access/requests/{sar['id']}", headers=dpo)).json()
    assert after["status"] == "disclosed"

    # Every unit was read as the DPO, for subject access, and said so in its own log.
    async with db_engine.connect() as connection:
        for schema in ("supervision", "intervention", "pathway"):
            rows = (
                await connection.execute(
                    text(
                        f"SELECT purpose, outcome, actor_subject FROM {schema}.audit_log"  # noqa: S608
                        " WHERE action = 'read' AND resource_type = 'subject_records'"
                        " AND request_id = :rid"
                    ),
                    {"rid": started.headers["x-request-id"]},
                )
            ).all()
            assert [(r.purpose, r.outcome, r.actor_subject) for r in rows] == [
                ("subject_access", "success", DPO.subject)
            ]
        [own] = (
            await connection.execute(
                text(
                    "SELECT purpose FROM workbook.audit_log WHERE request_id = :rid"
                    " AND action = 'export'"
                ),
                {"rid": started.headers["x-request-id"]},
            )
        ).all()
        assert own.purpose == "subject_access"
