"""Who may do what with a parenting assessment: 401, 403 by role or standing, 404 elsewhere."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.principal import Principal
from tests.intervention.conftest import AssessmentWorld, forward_case_events
from tests.intervention.helpers import ok, problem, signed_off, start
from tests.workbook.factories import practitioner_in, principal

Call = tuple[str, str, dict[str, Any] | None]
DECISIONS = ("/return", "/sign-off")


def calls(assessment_id: str, case_id: str) -> list[Call]:
    """Every endpoint, on one version (writes with bodies that would be valid)."""
    base = f"/assessments/{assessment_id}"
    return [
        ("POST", "/assessments", {"case_id": case_id, "title": "Assessment"}),
        ("GET", base, None),
        ("PATCH", base, {"sections": {"stability": {"analysis": "Settled."}}}),
        ("POST", f"{base}/submit", None),
        ("POST", f"{base}/return", {"comments": "More, please."}),
        ("POST", f"{base}/sign-off", {}),
        ("POST", f"{base}/versions", None),
        ("GET", f"{base}/document", None),
    ]


async def send(
    world: AssessmentWorld, who: Principal | None, call: Call, *, etag: str = "*"
) -> httpx.Response:
    method, path, body = call
    headers = {"If-Match": etag, **(world.as_(who) if who is not None else {})}
    return await world.intervention.request(method, path, json=body, headers=headers)


async def test_anonymous_callers_are_401_everywhere(world: AssessmentWorld) -> None:
    made = await start(world)
    for call in [*calls(made["id"], world.case_id), ("GET", "/assessments", None)]:
        problem(await send(world, None, call), 401, "unauthorized")


async def test_another_team_gets_the_404_of_a_version_that_does_not_exist(
    world: AssessmentWorld,
) -> None:
    made = await start(world)
    for stranger in (world.case.outsider, world.case.outsider_manager):
        for real, missing in zip(
            calls(made["id"], world.case_id),
            calls(str(uuid.uuid4()), str(uuid.uuid4())),
            strict=True,
        ):
            answer, other = await send(world, stranger, real), await send(world, stranger, missing)
            # A practitioner is refused a manager's decision by role (403) before any lookup.
            expected = (
                403 if stranger is world.case.outsider and real[1].endswith(DECISIONS) else 404
            )
            assert problem(answer, expected)["detail"] == problem(other, expected)["detail"]
        listed = await world.intervention.get(
            "/assessments", params={"case_id": world.case_id}, headers=world.as_(stranger)
        )
        assert ok(listed)["items"] == []


async def test_a_colleague_not_allocated_is_a_stranger_too(world: AssessmentWorld) -> None:
    made = await start(world)
    colleague = practitioner_in(world.case.team_id)
    for call in calls(made["id"], world.case_id):
        expected = 403 if call[1].endswith(DECISIONS) else 404
        problem(await send(world, colleague, call), expected)


async def test_roles_that_never_write_assessments_are_refused_by_role(
    world: AssessmentWorld,
) -> None:
    made = await start(world)
    auditor = principal(discipline="auditor", roles=("auditor",), teams=(world.case.team_id,))
    system = principal(discipline="system", roles=("system",))
    administrator = principal(discipline="administrator", roles=("administrator",))

    # The team's auditor reads (a case-file audit) and changes nothing.
    ok(await send(world, auditor, calls(made["id"], world.case_id)[1]))
    for call in calls(made["id"], world.case_id):
        if call[0] != "GET":
            problem(await send(world, auditor, call), 403, "forbidden")
    for who in (system, administrator):
        for call in calls(made["id"], world.case_id):
            problem(await send(world, who, call), 403, "forbidden")


async def test_allocated_workers_write_and_only_managers_decide(world: AssessmentWorld) -> None:
    specialist = world.case.specialists["recovery_worker"]
    made = await start(world, specialist)
    patch = calls(made["id"], world.case_id)[2]
    changed = ok(await send(world, world.case.social_worker, patch, etag=made["etag"]))
    ok(await send(world, world.case.manager, patch, etag=changed["etag"]))

    final = await signed_off(world)
    for who in (world.case.social_worker, specialist):
        for action, body in (("return", {"comments": "No."}), ("sign-off", {})):
            call = ("POST", f"/assessments/{final['id']}/{action}", body)
            problem(await send(world, who, call), 403, "forbidden")


async def test_a_closed_case_s_assessments_are_read_only(
    world: AssessmentWorld, db_engine: Any
) -> None:
    made = await start(world)
    closed = await world.workbook.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Family moved away"},
        headers={**world.as_wb(world.case.manager), "If-Match": "*"},
    )
    assert closed.status_code == 200, closed.text
    await forward_case_events(db_engine, world.intervention, world.case_id)

    writes = [c for c in calls(made["id"], world.case_id) if c[0] != "GET"]
    for call in writes:
        problem(await send(world, world.case.manager, call), 409, "case-closed")
        # Closing ended the worker's allocation: they no longer work on it.
        problem(await send(world, world.case.social_worker, call), 403, "forbidden")
    # Those allocated when it closed still read what they wrote.
    ok(await send(world, world.case.social_worker, calls(made["id"], world.case_id)[1]))
