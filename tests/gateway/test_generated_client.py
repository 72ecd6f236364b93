"""A client generated from the published OpenAPI document drives a recording through the gateway.

The generator sees only `openapi/merged.json`. If the document did not declare If-Match,
Idempotency-Key, ETag or the operations' names, this flow would need a header added by hand
or could not be written at all; here every header travels as a typed parameter.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from services.event_contracts import DIRECTORY_PRACTITIONER_CHANGED, PractitionerSnapshot
from services.settings import KernelSettings
from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.support.events import cloud_event, deliver
from workbook_api.app import create_app as create_workbook_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "fsm_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the client from the published document, as an integrator would."""
    out = tmp_path_factory.mktemp("client")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(PROJECT_ROOT / "openapi" / "merged.json"),
            "--meta",
            "none",
            "--output-path",
            str(out / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def created(response: Any) -> Any:
    assert response.status_code == 201, response.content
    return response.parsed


async def test_draft_update_and_finalise_with_the_generated_client(
    generated: ModuleType,
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    directory: DirectoryFactory,
    auth: Callable[[str], dict[str, str]],
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(
        roles=("practitioner", "team_manager"), discipline="team_manager", manages=[team]
    )
    worker = await directory.practitioner(discipline="social_worker", teams=[team])
    workbook = create_workbook_app(kernel_settings)
    async with open_gateway(gateway_settings(), {"workbook": workbook}) as (gateway, _):
        # The directory tells the workbook about the worker, as its relay does in production.
        snapshot = PractitionerSnapshot(
            practitioner_id=worker.id,
            display_name="Generated Client Worker",
            discipline="social_worker",
            roles=["practitioner"],
            active=True,
            version=1,
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=workbook), base_url="http://workbook.test"
        ) as direct:
            event = cloud_event(DIRECTORY_PRACTITIONER_CHANGED, snapshot.model_dump(mode="json"))
            assert (await deliver(direct, event)).status_code == 204

        def client_for(subject: str) -> Any:
            token = auth(subject)["Authorization"].removeprefix("Bearer ")
            return generated.AuthenticatedClient(
                base_url="http://gateway.test",
                token=token,
                httpx_args={"transport": httpx.ASGITransport(app=gateway)},
            )

        m = models()
        as_manager, as_worker = client_for(manager.subject), client_for(worker.subject)
        family = created(
            await api("workbook_families.create_family").asyncio_detailed(
                client=as_manager,
                body=m.FamilyCreate(
                    name="Generated client family",
                    owning_team_id=team,
                    members=[
                        m.MemberCreate(
                            role=m.MemberCreateRole.PARENT, given_name="Gen", family_name="P"
                        )
                    ],
                ),
                idempotency_key=str(uuid.uuid4()),
            )
        )
        case = created(
            await api("workbook_cases.create_case").asyncio_detailed(
                client=as_manager,
                body=m.CaseCreate(
                    family_id=family.id, owning_team_id=team, reason="Generated client case"
                ),
            )
        )
        created(
            await api("workbook_cases.create_allocation").asyncio_detailed(
                case.id,
                client=as_manager,
                body=m.AllocationCreate(
                    practitioner_id=worker.id,
                    discipline="social_worker",
                    is_allocated_social_worker=True,
                ),
            )
        )

        entries = "workbook_entries"
        draft_response = await api(f"{entries}.create_entry").asyncio_detailed(
            case.id,
            client=as_worker,
            body=m.EntryCreate(
                entry_type="home_visit",
                event_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
                narrative="First draft of the visit.",
            ),
            x_access_purpose=m.AccessPurpose.DIRECT_WORK,
            idempotency_key=str(uuid.uuid4()),
        )
        draft = created(draft_response)
        assert draft.status == "draft"
        etag = draft_response.headers["etag"]

        stale = await api(f"{entries}.update_entry").asyncio_detailed(
            case.id,
            draft.id,
            client=as_worker,
            body=m.EntryDraftUpdate(narrative="Lost update."),
            if_match='"0.0"',
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, m.Problem)

        updated = await api(f"{entries}.update_entry").asyncio_detailed(
            case.id,
            draft.id,
            client=as_worker,
            body=m.EntryDraftUpdate(narrative="Saw both children at home.", significant=True),
            if_match=etag,
        )
        assert updated.status_code == 200, updated.content
        assert updated.parsed.narrative == "Saw both children at home."

        final = await api(f"{entries}.finalise_entry").asyncio_detailed(
            case.id, draft.id, client=as_worker, if_match=updated.headers["etag"]
        )
        assert final.status_code == 200, final.content
        assert final.parsed.status == "final"
        assert final.parsed.revision == 1
