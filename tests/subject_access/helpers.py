"""Driving a subject access request through the API: register, export, review, bundle."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from services.principal import Principal
from tests.workbook.factories import principal

DPO = principal(discipline="business_support", roles=("dpo",), name="Demo DPO")


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], person_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "person_id": person_id,
        "requester_name": "The data subject",
        "requester_relationship": "self",
        "received_on": "2026-11-02",
    } | overrides
    response = await client.post("/subject-access/requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def wait_for(
    client: httpx.AsyncClient, headers: dict[str, str], export_id: str, status: str
) -> dict[str, Any]:
    """Poll an export until it reaches `status` (the runner works in the background)."""
    for _ in range(600):
        response = await client.get(f"/subject-access/exports/{export_id}", headers=headers)
        assert response.status_code == 200, response.text
        export = dict(response.json())
        if export["status"] == status:
            return export
        assert export["status"] != "failed", export
        await asyncio.sleep(0.1)
    raise AssertionError(f"export {export_id} never reached {status}: {export}")


async def export(client: httpx.AsyncClient, headers: dict[str, str], sar_id: str) -> dict[str, Any]:
    """Start an export and wait until it is ready for review."""
    response = await client.post(f"/subject-access/requests/{sar_id}/exports", headers=headers)
    assert response.status_code == 202, response.text
    return await wait_for(client, headers, response.json()["id"], "in_review")


async def all_pages(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 200, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def dpo() -> Principal:
    return DPO
