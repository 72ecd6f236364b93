"""The programme and the record together, in process: the workbook's case reaches this unit
through its relay, and enrolment, sessions and completed modules come back onto the case's
chronology in the workbook through this unit's relay, without restricted detail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from intervention_api.app import create_app as create_intervention
from services.event_contracts import PREFIX
from services.principal import Principal
from services.settings import KernelSettings
from services.subscriptions import CASE_EVENTS
from services.working_days import local_date
from tests.conftest import running
from tests.intervention.catalogue import load, programme
from tests.support.relays import relay
from tests.workbook.factories import case_world
from workbook_api.app import create_app as create_workbook

InternalHeaders = Callable[[Principal, str], dict[str, str]]


async def test_the_programme_appears_on_the_case_chronology_in_the_workbook(
    kernel_settings: KernelSettings,
    internal_headers: InternalHeaders,
    make_principal: Callable[..., Principal],
) -> None:
    workbook_app = create_workbook(kernel_settings)
    intervention_app = create_intervention(kernel_settings)
    async with running(workbook_app) as workbook, running(intervention_app) as intervention:

        def at_workbook(who: Principal) -> dict[str, str]:
            return internal_headers(who, "workbook")

        def here(who: Principal) -> dict[str, str]:
            return internal_headers(who, "intervention")

        world = await case_world(workbook, at_workbook)
        await relay(workbook_app, intervention_app, "intervention", CASE_EVENTS)

        admin = make_principal(discipline="business_support", roles=("administrator",))
        loaded = await load(intervention, here(admin), programme())
        assert loaded.status_code == 201, loaded.text
        worker = world.social_worker
        made = await intervention.post(
            f"/cases/{world.case_id}/enrolments",
            json={
                "programme_id": loaded.json()["id"],
                "participant": "family",
                "plan": [{"module_code": "module_1"}, {"module_code": "module_2"}],
            },
            headers=here(worker),
        )
        assert made.status_code == 201, made.text
        enrolment = f"/cases/{world.case_id}/enrolments/{made.json()['id']}"
        secret = f"Restricted {uuid.uuid4().hex}"
        session = await intervention.post(
            f"{enrolment}/sessions",
            json={
                "held_on": local_date(datetime.now(UTC)).isoformat(),
                "attendance": "attended",
                "engagement": 4,
                "modules": ["module_1"],
                "summary": "The family mapped their support network.",
                "restricted_detail": secret,
            },
            headers=here(worker),
        )
        assert session.status_code == 201, session.text
        done = await intervention.post(
            f"{enrolment}/progress",
            json={"module_code": "module_1", "status": "completed"},
            headers={**here(worker), "If-Match": made.headers["ETag"]},
        )
        assert done.status_code == 200, done.text

        await relay(intervention_app, workbook_app, "workbook", [f"{PREFIX}.intervention."])

        chronology = await workbook.get(
            f"/cases/{world.case_id}/chronology", headers=at_workbook(world.manager)
        )
        assert chronology.status_code == 200, chronology.text
        items = [i for i in chronology.json()["items"] if i["kind"] == "event"]
        assert {i["source"] for i in items} == {"interventions"}
        titles = {i["title"] for i in items}
        assert titles == {
            "Enrolled on Test programme (version 1)",
            "Programme session (attended): Module 1",
            "Programme module completed: Module 1",
        }
        summaries = {i["title"]: i["summary"] for i in items}
        assert summaries["Programme session (attended): Module 1"] == (
            "The family mapped their support network."
        )
        assert secret not in chronology.text
