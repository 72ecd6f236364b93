"""Parenting assessments for the matrix, in the state each operation needs (intervention).

Made through the intervention API as the case's social worker (and signed off by its manager),
on a case the intervention unit learned from the workbook's events (stack.relay_case_events).
"""

from __future__ import annotations

from typing import Any

from services.registry import INTERVENTION
from tests.access_matrix import personas as p
from tests.access_matrix.stack import Stack

DRAFT, COMPLETE, SUBMITTED, SIGNED_OFF = "draft", "complete", "submitted", "signed_off"
ANALYSIS = "Analysis written by the access matrix."


async def _call(
    stack: Stack,
    persona: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    etag: str | None,
    status: int = 200,
) -> dict[str, Any]:
    headers = {"If-Match": etag} if etag else None
    response = await stack.call(persona, INTERVENTION, method, path, json=body, headers=headers)
    assert response.status_code == status, (response.request.url, response.text)
    made: dict[str, Any] = response.json()
    return made


async def assessment(stack: Stack, case_id: str, state: str) -> str:
    """A new assessment of the case in `state`: a draft, complete, submitted or signed off."""
    body = {"case_id": case_id, "title": "Parenting assessment (matrix)"}
    made = await _call(stack, p.SOCIAL_WORKER, "POST", "/assessments", body, None, 201)
    if state == DRAFT:
        return str(made["id"])
    path = f"/assessments/{made['id']}"
    sections = {s["key"]: {"analysis": ANALYSIS} for s in made["sections"]}
    made = await _call(stack, p.SOCIAL_WORKER, "PATCH", path, {"sections": sections}, made["etag"])
    if state == COMPLETE:
        return str(made["id"])
    made = await _call(stack, p.SOCIAL_WORKER, "POST", f"{path}/submit", None, made["etag"])
    if state == SUBMITTED:
        return str(made["id"])
    made = await _call(stack, p.TEAM_MANAGER, "POST", f"{path}/sign-off", {}, made["etag"])
    return str(made["id"])
