"""The fuzz's fixture: a world of records, and every unit's app served by Schemathesis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import AnyHttpUrl
from schemathesis.python import asgi

from services.dev_keys import dev_scim_credential, load_dev_keys
from services.principal import Principal
from services.registry import BACKENDS, GATEWAY, UNITS, unit_named
from services.settings import KernelSettings
from tests.access_matrix.conftest import MatrixEnv, open_matrix_env
from tests.access_matrix.stack import build_app
from tests.contract.coverage import SUMMARY_LINES, Tally
from tests.contract.target import FuzzTarget, load_target
from tests.support.threaded_server import served_in_thread


@pytest.fixture(scope="package")
async def contract_world(
    kernel_settings: KernelSettings,
    database_url: str,
    state_dir: Path,
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> AsyncIterator[MatrixEnv]:
    """Personas and a world of records of the fuzz's own (it writes to them), built as the
    access matrix builds its own."""
    async with open_matrix_env(kernel_settings, database_url, state_dir, internal_headers) as env:
        yield env


@contextmanager
def served_backends(kernel_settings: KernelSettings) -> Iterator[dict[str, str]]:
    """Every backend on a loopback port, each in a thread of its own: the gateway's fan-out
    routes (the merged access log) and a unit that reads another as its caller
    (services/delegation.py) call them over HTTP, while the fuzz's own calls run outside any
    event loop these could share."""
    with ExitStack() as served:
        yield {
            unit.name: served.enter_context(served_in_thread(build_app(unit, kernel_settings)))
            for unit in BACKENDS
        }


@pytest.fixture(scope="package")
def fuzzed_apps(kernel_settings: KernelSettings) -> Iterator[dict[str, FastAPI]]:
    """Every unit's app, built by its own `create_app`; Schemathesis starts each one's lifespan
    in its event loop at the first request, and they stop here at the end. Second instances
    of the backends listen on loopback for the units and routes that call them over HTTP."""
    with served_backends(kernel_settings) as upstreams:
        urls = {name: AnyHttpUrl(url) for name, url in upstreams.items()}
        settings = kernel_settings.model_copy(update={"unit_urls": urls})
        yield {
            unit.name: build_app(unit, settings, upstreams if unit is GATEWAY else None)
            for unit in UNITS
        }
        asgi.shutdown_lifespans()


@pytest.fixture(scope="package")
def fuzz_tally() -> Tally:
    """Requests sent over the session, per unit and operation."""
    return Tally()


@pytest.fixture(scope="package", params=[unit.name for unit in UNITS])
def fuzz_target(
    request: pytest.FixtureRequest,
    contract_world: MatrixEnv,
    fuzzed_apps: dict[str, FastAPI],
    fuzz_tally: Tally,
    state_dir: Path,
) -> FuzzTarget:
    """One unit under fuzz."""
    unit = unit_named(request.param)
    scim = dev_scim_credential(load_dev_keys(state_dir))
    return load_target(unit, fuzzed_apps[unit.name], contract_world, fuzz_tally, scim)


@pytest.fixture(scope="package")
def unit_schema(fuzz_target: FuzzTarget) -> Any:
    """The unit's document as Schemathesis loaded it (what `from_fixture` reads)."""
    return fuzz_target.schema


@pytest.fixture(autouse=True)
def schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """Give the item the `_nodeid` through which Schemathesis 4's `from_fixture` names subtests.

    pytest 9.2 keeps an item's id in a structured `NodeId` and no longer has the attribute;
    without it the lazy loader fails before generating a single request.
    """
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how much the fuzz covered, whatever the verbosity."""
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)
