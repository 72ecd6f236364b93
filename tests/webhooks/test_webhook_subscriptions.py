"""The subscriptions API: administrators only, secrets shown once, targets checked, If-Match."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.settings import KernelSettings, async_database_url
from services.webhooks.settings import WebhookSettings
from tests.conftest import running
from tests.webhooks.conftest import Headers
from tests.workbook.factories import manager_of, practitioner_in, system_principal
from workbook_api.app import create_app

BASE = "/webhooks/subscriptions"


def new(**extra: Any) -> dict[str, Any]:
    return {
        "name": f"Mosaic north {uuid.uuid4().hex[:8]}",
        "url": "http://127.0.0.1:9/hooks",
        "event_types": ["uk.gov.fsm.workbook.entry.*", "uk.gov.fsm.workbook.case.closed"],
        **extra,
    }


async def test_administrators_manage_subscriptions_and_see_the_secret_once(
    client: httpx.AsyncClient, admin: dict[str, str], database_url: str
) -> None:
    made = await client.post(BASE, json=new(description="Case notes back to Mosaic"), headers=admin)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert made.headers["location"] == f"{BASE}/{body['id']}"
    read = await client.get(made.headers["location"], headers=admin)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["etag"] == made.headers["etag"]
    listed = await client.get(BASE, headers=admin)
    assert body["id"] in [s["id"] for s in listed.json()["items"]]

    # At rest the secret is encrypted: the database alone signs nothing.
    engine = create_async_engine(async_database_url(database_url))
    async with engine.connect() as connection:
        stored = await connection.scalar(
            text("SELECT secret FROM workbook.webhook_subscription WHERE id = :id"),
            {"id": body["id"]},
        )
    await engine.dispose()
    assert body["secret"].encode() not in bytes(stored)

    taken = await client.post(BASE, json=new(name=body["name"]), headers=admin)
    assert taken.status_code == 409
    path = made.headers["location"]
    assert (await client.patch(path, json={"active": False}, headers=admin)).status_code == 428
    changed = await client.patch(
        path, json={"description": "Paused"}, headers={**admin, "If-Match": made.headers["etag"]}
    )
    assert changed.status_code == 200
    stale = await client.patch(
        path, json={"active": False}, headers={**admin, "If-Match": made.headers["etag"]}
    )
    assert stale.status_code == 412
    gone = await client.delete(path, headers={**admin, "If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    assert (await client.get(path, headers=admin)).status_code == 404


async def test_only_administrators_reach_subscriptions(
    client: httpx.AsyncClient, as_: Headers, admin: dict[str, str]
) -> None:
    made = (await client.post(BASE, json=new(), headers=admin)).json()
    team = uuid.uuid4()
    for who in (practitioner_in(team), manager_of(team), system_principal()):
        headers = as_(who)
        assert (await client.get(BASE, headers=headers)).status_code == 403
        assert (await client.post(BASE, json=new(), headers=headers)).status_code == 403
        assert (await client.get(f"{BASE}/{made['id']}", headers=headers)).status_code == 403
    assert (await client.get(BASE)).status_code == 401
    assert (await client.get(f"{BASE}/{uuid.uuid4()}", headers=admin)).status_code == 404
    unknown = f"{BASE}/{made['id']}/deliveries/123456789"
    assert (await client.get(unknown, headers=admin)).status_code == 404
    await client.delete(f"{BASE}/{made['id']}", headers={**admin, "If-Match": "*"})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://127.0.0.1/hooks"}, "url"),
        ({"url": "http://user:pass@127.0.0.1/hooks"}, "url"),
        ({"event_types": ["not a type"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"start_from": (datetime.now(UTC) - timedelta(days=400)).isoformat()}, "start_from"),
        ({"start_from": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "start_from"),
        ({"start_from": "2026-01-01T00:00:00"}, "start_from"),
    ],
)
async def test_bad_subscriptions_name_the_member_at_fault(
    client: httpx.AsyncClient, admin: dict[str, str], change: dict[str, Any], field: str
) -> None:
    refused = await client.post(BASE, json=new(**change), headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert field in [error["location"][1] for error in refused.json()["errors"]]


@pytest.fixture(scope="module")
async def strict_client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook as production runs it: https to public addresses only."""
    settings = kernel_settings.model_copy(
        update={"webhooks": WebhookSettings(target_policy="public_https")}
    )
    async with running(create_app(settings)) as strict:
        yield strict


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hooks",
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://172.20.0.5/hooks",
        "https://192.168.1.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hooks",
        "https://[::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
    ],
)
async def test_production_refuses_targets_off_the_public_internet(
    strict_client: httpx.AsyncClient, admin: dict[str, str], url: str
) -> None:
    refused = await strict_client.post(BASE, json=new(url=url), headers=admin)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["location"] == ["body", "url"]


async def test_production_takes_a_public_https_target(
    strict_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # An address literal: checked without resolving or connecting to anything.
    made = await strict_client.post(
        BASE, json=new(url="https://93.184.215.14/hooks"), headers=admin
    )
    assert made.status_code == 201, made.text
    await strict_client.delete(
        made.headers["location"], headers={**admin, "If-Match": made.headers["etag"]}
    )


async def test_the_api_is_each_units_own(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = {
        op["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/webhooks")
        for op in item.values()
    }
    assert "create_workbook_webhook_subscription" in operations
    assert all("workbook" in name for name in operations)
