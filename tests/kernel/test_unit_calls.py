"""A unit reads another's API as its caller: the callee's access rules and audit still apply.

The callee is the real workbook, served by uvicorn on a loopback port; the caller is an app
built with the kernel as supervision, whose tokens the gateway also addresses to the workbook.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.app import create_service_app
from services.dev_keys import load_dev_keys
from services.internal_token import InternalTokenVerifier, internal_audiences
from services.jose import TokenRejected
from services.principal import Principal
from services.registry import SUPERVISION, WORKBOOK
from services.routing import kit_router
from services.settings import KernelSettings, async_database_url
from services.unit_calls import CallerCalls
from supervision_api.models import kernel
from tests.conftest import running
from tests.gateway.upstreams import serve
from tests.support.tcp_proxy import free_port
from tests.workbook.factories import CaseWorld, case_world
from workbook_api.app import create_app as create_workbook

Headers = Callable[[Principal], dict[str, str]]

router = kit_router(tags=["peek"])


@router.get("/peek/cases/{case_id}", summary="Read a case from the workbook as the caller")
async def peek_case(case_id: UUID, calls: CallerCalls) -> dict[str, Any]:
    """What the workbook answers the caller for this case."""
    answer = await calls.get(WORKBOOK, f"/cases/{case_id}")
    return {"status": answer.status, "body": answer.body}


def caller_app(settings: KernelSettings, workbook_url: str) -> FastAPI:
    return create_service_app(
        unit=SUPERVISION,
        settings=settings.model_copy(update={"unit_urls": {"workbook": workbook_url}}),
        kernel=kernel,
        routers=[router],
        title="caller",
        description="A unit that reads the workbook as its caller.",
    )


@pytest.fixture(scope="module")
async def workbook_url(kernel_settings: KernelSettings) -> AsyncIterator[str]:
    app = create_workbook(kernel_settings)
    async with app.router.lifespan_context(app), serve(app) as url:
        yield url


@pytest.fixture(scope="module")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_workbook(kernel_settings)) as client:
        yield client


@pytest.fixture
def for_workbook(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    return lambda who: internal_headers(who, "workbook")


@pytest.fixture
def for_supervision(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    return lambda who: internal_headers(who, "supervision")


@pytest.fixture
async def world(workbook: httpx.AsyncClient, for_workbook: Headers) -> CaseWorld:
    return await case_world(workbook, for_workbook, specialist_disciplines=())


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()


async def test_the_caller_reads_what_the_workbook_lets_them_and_is_audited_there(
    kernel_settings: KernelSettings,
    workbook_url: str,
    world: CaseWorld,
    for_supervision: Headers,
    engine: AsyncEngine,
) -> None:
    async with running(caller_app(kernel_settings, workbook_url)) as caller:
        response = await caller.get(
            f"/peek/cases/{world.case_id}",
            headers={**for_supervision(world.social_worker), "X-Access-Purpose": "supervision"},
        )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == 200
    assert answer["body"]["id"] == world.case_id
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT actor_practitioner_id, purpose, outcome FROM workbook.audit_log"
                    " WHERE case_id = :case AND action = 'read' AND resource_type = 'case'"
                ),
                {"case": world.case_id},
            )
        ).all()
    assert [(str(r.actor_practitioner_id), r.purpose, r.outcome) for r in rows] == [
        (str(world.social_worker.practitioner_id), "supervision", "success")
    ]


async def test_a_case_the_caller_may_not_see_stays_a_404_through_another_unit(
    kernel_settings: KernelSettings, workbook_url: str, world: CaseWorld, for_supervision: Headers
) -> None:
    async with running(caller_app(kernel_settings, workbook_url)) as caller:
        response = await caller.get(
            f"/peek/cases/{world.case_id}", headers=for_supervision(world.outsider)
        )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == 404
    assert "family_name" not in response.text


async def test_a_workbook_that_does_not_answer_is_a_503_with_retry_after(
    kernel_settings: KernelSettings, world: CaseWorld, for_supervision: Headers
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with running(caller_app(kernel_settings, nowhere)) as caller:
        response = await caller.get(
            f"/peek/cases/{world.case_id}", headers=for_supervision(world.social_worker)
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    assert response.json()["type"].endswith("unit-unavailable")


def test_tokens_reach_only_the_units_their_unit_may_call(
    internal_headers: Callable[[Principal, str], dict[str, str]],
    make_principal: Callable[..., Principal],
    state_dir: Path,
) -> None:
    assert internal_audiences("supervision") == [
        "fsm-internal:supervision",
        "fsm-internal:workbook",
    ]
    assert internal_audiences("workbook") == ["fsm-internal:workbook"]
    # The workbook reads the others only as the DPO (a subject access export).
    assert internal_audiences("workbook", frozenset({"dpo"})) == [
        "fsm-internal:workbook",
        "fsm-internal:supervision",
        "fsm-internal:intervention",
        "fsm-internal:pathway",
    ]
    keys = load_dev_keys(state_dir).internal_jwks()
    who = make_principal()
    to_supervision = internal_headers(who, "supervision")["Authorization"].split(" ", 1)[1]
    to_workbook = internal_headers(who, "workbook")["Authorization"].split(" ", 1)[1]
    assert InternalTokenVerifier(keys, "workbook").verify(to_supervision) == who
    # Supervision's token is no key to intervention, nor the workbook's to supervision.
    with pytest.raises(TokenRejected):
        InternalTokenVerifier(keys, "intervention").verify(to_supervision)
    with pytest.raises(TokenRejected):
        InternalTokenVerifier(keys, "supervision").verify(to_workbook)
