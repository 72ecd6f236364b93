"""A refusal is audited whatever the client put in the path, control characters included."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from intervention_api.models import kernel
from tests.intervention.conftest import Headers, MakePrincipal
from tests.intervention.world import case_world


async def test_a_path_with_the_audit_separator_still_leaves_its_refusal_audited(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_, make_principal)
    # The enrolment is missing (404) before the session's id is ever validated.
    path = f"/cases/{world.case_id}/enrolments/{uuid.uuid4()}/sessions/%1Fforged/withdraw"
    response = await client.post(
        path, json={"reason": "Entered in error."}, headers=as_(world.social_worker)
    )

    assert response.status_code == 404
    audit = kernel.audit_log
    async with db_engine.connect() as connection:
        rows = (
            await connection.execute(
                select(audit.c.action, audit.c.outcome, audit.c.resource_id).where(
                    audit.c.request_id == response.headers["X-Request-ID"]
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [("withdraw", "not_found", None)]
