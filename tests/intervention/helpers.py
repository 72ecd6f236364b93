"""Requests the assessment tests make again and again."""

from __future__ import annotations

from typing import Any

import httpx

from intervention_api.assessments.sections import DEFAULT_SECTIONS
from services.principal import Principal
from tests.intervention.conftest import AssessmentWorld


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The body of a request that must succeed, checked against its ETag."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if "etag" in body:
        assert response.headers["etag"] == body["etag"]
    return body


def problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """The problem a refused request answered with."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"].endswith(f"/{slug}"), body
    return body


async def start(
    world: AssessmentWorld, who: Principal | None = None, **body: Any
) -> dict[str, Any]:
    """Start an assessment of the world's case (as its social worker unless told)."""
    author = who or world.case.social_worker
    response = await world.intervention.post(
        "/assessments",
        json={"case_id": world.case_id, "title": "Parenting assessment of the parents", **body},
        headers=world.as_(author),
    )
    made = ok(response, 201)
    assert response.headers["location"] == f"/assessments/{made['id']}"
    return made


async def change(
    world: AssessmentWorld, who: Principal, assessment: dict[str, Any], **sections: Any
) -> httpx.Response:
    """PATCH sections of a version with its ETag."""
    return await world.intervention.patch(
        f"/assessments/{assessment['id']}",
        json={"sections": sections},
        headers={**world.as_(who), "If-Match": assessment["etag"]},
    )


async def step(
    world: AssessmentWorld,
    who: Principal,
    assessment: dict[str, Any],
    action: str,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST a lifecycle step (submit, return, sign-off, versions) with the version's ETag."""
    return await world.intervention.post(
        f"/assessments/{assessment['id']}/{action}",
        json=body,
        headers={**world.as_(who), "If-Match": assessment["etag"]},
    )


async def completed(world: AssessmentWorld, assessment: dict[str, Any]) -> dict[str, Any]:
    """The draft with an analysis in every section, written by the social worker."""
    analyses = {
        key: {"analysis": f"Analysis of {heading.lower()}."}
        for key, heading in DEFAULT_SECTIONS.items()
    }
    return ok(await change(world, world.case.social_worker, assessment, **analyses))


async def signed_off(world: AssessmentWorld) -> dict[str, Any]:
    """A new assessment, completed by the social worker and signed off by the manager."""
    draft = await completed(world, await start(world))
    submitted = ok(await step(world, world.case.social_worker, draft, "submit"))
    return ok(await step(world, world.case.manager, submitted, "sign-off", {}))
