"""Every unit running on the real database, with the access matrix's personas in the directory.

Started once for this package (each start costs seconds and holds connections); the tests'
cases are their own, so nothing here depends on another package's records.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.access_matrix import personas as p
from tests.access_matrix.stack import Stack, running_stack, seed_directory
from workbook_api.disciplines.config import load_recording_config
from workbook_api.settings import workbook_settings


@pytest.fixture(scope="package")
async def stack(
    kernel_settings: KernelSettings,
    database_url: str,
    state_dir: Path,
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> AsyncIterator[Stack]:
    """The four backends and the gateway, the personas known to each."""
    config = load_recording_config(workbook_settings(kernel_settings).workbook_recording_config)
    tag = uuid.uuid4().hex[:10]
    teams = {letter: f"Retention team {letter} {tag}" for letter in (p.TEAM_A, p.TEAM_B, p.TEAM_C)}
    directory, principals = await seed_directory(database_url, p.personas(config), teams)
    async with running_stack(
        kernel_settings, principals, directory.subjects, internal_headers, state_dir
    ) as running:
        yield running


@pytest.fixture(scope="package")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A plain engine for the scans and for moving a closure back in time."""
    made = create_async_engine(async_database_url(database_url), pool_size=2)
    yield made
    await made.dispose()
