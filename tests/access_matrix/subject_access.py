"""Subject access in the matrix: the DPO's alone, every route (workbook_api/subject_access/,
and each other unit's `/subject-access/records`).

The world holds a request about family A's child with a bundled export (for the reads); a write
gets records of its own in the state it needs: a fresh request, an export ready for review (or
bundled, for a disclosure), and a reviewer's redaction on it.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from services.registry import BACKENDS, WORKBOOK
from tests.access_matrix import personas as p
from tests.access_matrix.operations import Operation
from tests.access_matrix.stack import Stack
from tests.access_matrix.world import ok, post

PREFIX = "/workbook/subject-access"
_EXPORT = f"POST {PREFIX}/exports/{{export_id}}"
READERS: dict[str, frozenset[str]] = {
    f"GET {PREFIX}/requests": p.DPO_ONLY,
    **{
        f"GET {unit.route_prefix}/subject-access/records": p.DPO_ONLY
        for unit in BACKENDS
        if unit is not WORKBOOK
    },
}
WRITERS: dict[str, frozenset[str]] = {
    f"POST {PREFIX}/requests": p.DPO_ONLY,
    f"POST {PREFIX}/requests/{{sar_id}}/extension": p.DPO_ONLY,
    f"POST {PREFIX}/requests/{{sar_id}}/exports": p.DPO_ONLY,
    f"{_EXPORT}/redactions": p.DPO_ONLY,
    f"{_EXPORT}/redactions/confirm-remaining": p.DPO_ONLY,
    f"{_EXPORT}/redactions/{{redaction_id}}/decision": p.DPO_ONLY,
    f"{_EXPORT}/bundle": p.DPO_ONLY,
    f"{_EXPORT}/disclosures": p.DPO_ONLY,
}
# What the DPO reads through subject access beyond their sight elsewhere (they read no case
# record otherwise), by operation: under review, everything held about family A, restricted
# detail, drafts and withdrawn entries included; in the bundle for its child, only what the
# child may be given (the restricted detail, about the parents or nobody named, and the
# withdrawn entry are redacted; a draft is held, so it is given, labelled as a draft).
FAMILY_A_DISCLOSED = frozenset({"case_a", "family_a", "draft"})
FAMILY_A_HELD = FAMILY_A_DISCLOSED | {
    "restricted",
    "restricted_field",
    "restricted_summary",
    "restricted_other",
    "withdrawn",
}
_EXPORT_READ = f"GET {PREFIX}/exports/{{export_id}}"
SIGHT: dict[str, dict[str, frozenset[str]]] = {
    f"{_EXPORT_READ}/items": {p.DPO: FAMILY_A_HELD},
    f"{_EXPORT_READ}/redactions": {p.DPO: FAMILY_A_HELD},
    f"{_EXPORT_READ}/bundle.pdf": {p.DPO: FAMILY_A_DISCLOSED},
    f"{_EXPORT_READ}/bundle.json": {p.DPO: FAMILY_A_DISCLOSED},
    **{
        f"GET {unit.route_prefix}/subject-access/records": {p.DPO: FAMILY_A_HELD}
        for unit in BACKENDS
        if unit is not WORKBOOK
    },
}

# The export a write needs: bundled for a disclosure, ready for review otherwise.
BUNDLED_FOR = frozenset({f"{_EXPORT}/disclosures"})


async def request_about(stack: Stack, person_id: str) -> str:
    """A new subject access request about a person, registered by the DPO."""
    body = {
        "person_id": person_id,
        "requester_name": "Matrix requester",
        "requester_relationship": "self",
        "received_on": date.today().isoformat(),
    }
    return str((await post(stack, p.DPO, "/subject-access/requests", body))["id"])


async def _until(stack: Stack, export_id: str, status: str) -> None:
    for _ in range(600):
        response = await stack.call(p.DPO, WORKBOOK, "GET", f"/subject-access/exports/{export_id}")
        found = ok(response, 200)["status"]
        if found == status:
            return
        assert found != "failed", (export_id, found)
        await asyncio.sleep(0.05)
    raise AssertionError(f"export {export_id} never reached {status}")


async def export_of(stack: Stack, sar_id: str, *, bundled: bool) -> tuple[str, dict[str, Any]]:
    """An export of a request, gathered (and bundled, when asked), with its first record."""
    path = f"/subject-access/requests/{sar_id}/exports"
    export_id = str((await post(stack, p.DPO, path, {}, status=202))["id"])
    await _until(stack, export_id, "in_review")
    response = await stack.call(
        p.DPO, WORKBOOK, "GET", f"/subject-access/exports/{export_id}/items"
    )
    first = ok(response, 200)["items"][0]
    if bundled:
        base = f"/subject-access/exports/{export_id}"
        await post(stack, p.DPO, f"{base}/redactions/confirm-remaining", {}, status=200)
        await post(stack, p.DPO, f"{base}/bundle", {}, status=202)
        await _until(stack, export_id, "bundled")
    return export_id, first


def redaction_body(item: dict[str, Any]) -> dict[str, Any]:
    """A reviewer's mark on the first characters of a record's first section."""
    return {
        "item_id": item["id"],
        "section": 0,
        "start": 0,
        "end": min(4, len(item["sections"][0]["text"])),
        "note": "Marked by the matrix's reviewer.",
    }


async def reviewer_redaction(stack: Stack, export_id: str, item: dict[str, Any]) -> str:
    """A redaction the DPO adds to an export in review."""
    path = f"/subject-access/exports/{export_id}/redactions"
    return str((await post(stack, p.DPO, path, redaction_body(item)))["id"])


async def world_records(stack: Stack, child_a: str) -> dict[str, str]:
    """A request about family A's child and a bundled export of it, for the reads."""
    sar_id = await request_about(stack, child_a)
    export_id, _ = await export_of(stack, sar_id, bundled=True)
    return {"sar_id": sar_id, "export_id": export_id}


def wants_bundled(op: Operation) -> bool:
    return op.key in BUNDLED_FOR
