"""The matrix's fixture, built once for this package: every unit running, personas, the world.

Stopped when the package's tests end, so that no other test runs beside its stacks (their
relays, sealers and pools would load the machine and hold the change feed's horizon).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.principal import Principal
from services.registry import WORKBOOK
from services.settings import KernelSettings
from tests.access_matrix import personas as p
from tests.access_matrix import supervision
from tests.access_matrix.interventions import build_intervention_world
from tests.access_matrix.markers import new_markers
from tests.access_matrix.operations import Operation, all_operations
from tests.access_matrix.runner import SUMMARY_LINES, Matrix, Report
from tests.access_matrix.stack import Stack, running_stack, seed_directory
from tests.access_matrix.world import World, build_world
from workbook_api.disciplines.config import load_recording_config
from workbook_api.settings import workbook_settings


@dataclass
class MatrixEnv:
    """What every matrix test replays against."""

    stack: Stack
    world: World
    operations: list[Operation]
    personas: list[str]

    def matrix(self) -> Matrix:
        return Matrix(self.stack, self.world, self.operations, self.personas)


@asynccontextmanager
async def open_matrix_env(
    kernel_settings: KernelSettings,
    database_url: str,
    state_dir: Path,
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> AsyncIterator[MatrixEnv]:
    """Start every unit, put the personas in the directory and record the world."""
    config = load_recording_config(workbook_settings(kernel_settings).workbook_recording_config)
    cast = p.personas(config)
    markers = new_markers()
    tag = uuid.uuid4().hex[:10]
    teams = {
        p.TEAM_A: f"Matrix team A {tag}",
        p.TEAM_B: f"Matrix team B {markers.team_b.text}",
        p.TEAM_C: f"Matrix team C {tag}",
    }
    directory, principals = await seed_directory(database_url, cast, teams)
    async with running_stack(
        kernel_settings, principals, directory.subjects, internal_headers, state_dir
    ) as stack:
        # Each document as the running app publishes it, built by its own create_app.
        operations = all_operations(lambda unit: stack.apps[unit.name])
        disciplines = {name: persona.discipline for name, persona in cast.items()}
        world = await build_world(
            stack,
            directory,
            markers,
            config,
            disciplines,
            stack.apps[WORKBOOK.name].state.sessionmaker,
        )
        await build_intervention_world(stack, world)
        await supervision.record_world(stack, world)
        yield MatrixEnv(stack, world, operations, list(cast))


@pytest.fixture(scope="package")
async def matrix_env(
    kernel_settings: KernelSettings,
    database_url: str,
    state_dir: Path,
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> AsyncIterator[MatrixEnv]:
    """Every unit running, the personas in the directory and the world recorded."""
    async with open_matrix_env(kernel_settings, database_url, state_dir, internal_headers) as env:
        yield env


@pytest.fixture(scope="package")
async def matrix_report(matrix_env: MatrixEnv) -> Report:
    """The whole matrix, run once: reads, writes and anonymous calls of every operation."""
    report = await matrix_env.matrix().run()
    SUMMARY_LINES.append(f"access matrix: {report.summary()}")
    if report.unchecked:
        SUMMARY_LINES.append(
            "access matrix: writes judged by defaults only (add them to WRITERS): "
            + ", ".join(sorted(report.unchecked))
        )
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how much the matrix covered, whatever the verbosity."""
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)
