"""Hand handlers the recording configuration the app loaded at startup."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from workbook_api.disciplines.config import RecordingConfig, load_recording_config
from workbook_api.settings import WorkbookSettings


async def load_recording_config_on_startup(app: FastAPI, stack: AsyncExitStack) -> None:
    """Read the configuration once, so a broken file fails the deployment rather than a visit."""
    settings: WorkbookSettings = app.state.settings
    app.state.recording_config = load_recording_config(settings.workbook_recording_config)


async def recording_config(request: Request) -> RecordingConfig:
    """The configuration loaded by the lifespan hook."""
    config: RecordingConfig = request.app.state.recording_config
    return config


RecordingConfigDep = Annotated[RecordingConfig, Depends(recording_config)]
