"""Everything held when the request arrives is gathered: a draft, labelled as not part of the
record yet, and entries withdrawn as recorded in error, labelled with the reason and proposed
for redaction whole, for the reviewer to confirm or release."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from pypdf import PdfReader

from tests.subject_access.helpers import DPO, all_pages, export, register, wait_for
from tests.subject_access.world import hours_ago, sar_world
from tests.workbook.conftest import Headers
from tests.workbook.factories import if_match, record_entry

WITHDRAWN = "[REDACTED: withdrawn as recorded in error; may concern another family]"
PUBLIC = "[REDACTED: third party: member of the public]"
DRAFT_WORDS = "Dana is thinking about a course at the college; to finish after supervision."
CONFIRMED_WORDS = "The Fenwick household's kitchen was in a poor state; the baby was asleep."
RELEASED_WORDS = "Dana rang about the appointment; Pat Fenwick took the message for her."


async def withdrawn_entry(
    client: httpx.AsyncClient, author: dict[str, str], case_id: str, narrative: str, reason: str
) -> dict[str, Any]:
    entry = await record_entry(client, author, case_id, narrative=narrative, event_at=hours_ago(4))
    response = await client.post(
        f"/cases/{case_id}/entries/{entry['id']}/withdraw",
        json={"reason": reason},
        headers=if_match(author, entry["etag"]),
    )
    assert response.status_code == 200, response.text
    return entry


def by_record(items: list[dict[str, Any]], record_id: str) -> dict[str, Any]:
    return next(item for item in items if item["record_id"] == record_id)


async def test_drafts_and_withdrawn_entries_are_gathered_labelled_and_withdrawn_ones_marked(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    worker = as_(world.social_worker)
    case_id = world.case["id"]
    final = await record_entry(client, worker, case_id, event_at=hours_ago(6))
    draft = await record_entry(
        client, worker, case_id, finalise=False, narrative=DRAFT_WORDS, event_at=hours_ago(5)
    )
    confirmed = await withdrawn_entry(
        client, worker, case_id, CONFIRMED_WORDS, "Recorded on the wrong family's case"
    )
    released = await withdrawn_entry(
        client, worker, case_id, RELEASED_WORDS, "Duplicate of an earlier note"
    )
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"), requester_name="Dana Whitfield")

    ready = await export(client, dpo, sar["id"])
    base = f"/subject-access/exports/{ready['id']}"
    items = await all_pages(client, dpo, f"{base}/items")
    proposed = await all_pages(client, dpo, f"{base}/redactions")

    assert by_record(items, final["id"])["record_status"] == "final"
    assert by_record(items, final["id"])["sections"][0]["label"] == "Record"
    gathered_draft = by_record(items, draft["id"])
    assert gathered_draft["record_status"] == "draft"
    assert gathered_draft["sections"] == [
        {"label": "Status", "text": "Draft: not part of the record yet."},
        {"label": "Record", "text": DRAFT_WORDS},
    ]
    for entry, reason in (
        (confirmed, "Recorded on the wrong family's case"),
        (released, "Duplicate of an earlier note"),
    ):
        item = by_record(items, entry["id"])
        assert item["record_status"] == "withdrawn"
        status, narrative = item["sections"]
        assert status["label"] == "Status"
        assert status["text"].startswith("Withdrawn on ")
        assert "by Alex Morgan, as recorded in error" in status["text"]
        assert status["text"].endswith(f"Reason: {reason}")
        assert narrative == {"label": "Record", "text": entry["narrative"]}
        # The whole text is proposed, with its own reason; the label and reason are not.
        whole = [r for r in proposed if r["item_id"] == item["id"]]
        assert {(r["section"], r["reason"], r["text"]) for r in whole} >= {
            (1, "withdrawn_in_error", entry["narrative"])
        }
        assert not any(r["section"] == 0 for r in whole)
    # Names in a withdrawn entry are proposed as in any record, in case it is released.
    released_item = by_record(items, released["id"])
    assert ("member_of_public", "Pat Fenwick") in {
        (r["reason"], r["text"]) for r in proposed if r["item_id"] == released_item["id"]
    }
    assert not any(r["item_id"] == gathered_draft["id"] for r in proposed)

    # The reviewer releases one withdrawn entry (it was about this family after all).
    release = next(
        r
        for r in proposed
        if r["item_id"] == released_item["id"] and r["reason"] == "withdrawn_in_error"
    )
    decided = await client.post(
        f"{base}/redactions/{release['id']}/decision",
        json={"decision": "removed", "note": "About this family: a duplicate, not an error."},
        headers=dpo,
    )
    assert decided.status_code == 200, decided.text
    await client.post(f"{base}/redactions/confirm-remaining", headers=dpo)
    assert (await client.post(f"{base}/bundle", headers=dpo)).status_code == 202
    await wait_for(client, dpo, ready["id"], "bundled")

    records = json.loads((await client.get(f"{base}/bundle.json", headers=dpo)).content)["records"]
    bundled_draft = by_record(records, draft["id"])
    assert bundled_draft["record_status"] == "draft"
    assert bundled_draft["sections"][0] == {
        "label": "Status",
        "text": "Draft: not part of the record yet.",
    }
    bundled_confirmed = by_record(records, confirmed["id"])
    assert bundled_confirmed["record_status"] == "withdrawn"
    assert bundled_confirmed["sections"][0]["text"].endswith(
        "Reason: Recorded on the wrong family's case"
    )
    assert bundled_confirmed["sections"][1] == {"label": "Record", "text": WITHDRAWN}
    bundled_released = by_record(records, released["id"])
    assert bundled_released["sections"][1] == {
        "label": "Record",
        "text": f"Dana rang about the appointment; {PUBLIC} took the message for her.",
    }
    assert by_record(records, final["id"])["record_status"] == "final"

    pdf = (await client.get(f"{base}/bundle.pdf", headers=dpo)).content
    printed = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "Home visit (draft, not part of the record yet)" in printed
    assert "Home visit (withdrawn)" in printed
    assert "Reason: Recorded on the wrong family's case" in printed
    assert DRAFT_WORDS in printed
    assert "kitchen" not in printed
    assert "Dana rang about the appointment" in printed
