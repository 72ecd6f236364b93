"""HTTP endpoint publishing the recording configuration clients build their forms from."""

from __future__ import annotations

from fastapi import APIRouter

from services.app import route_responses
from services.auth import CurrentPrincipal
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.disciplines.dependencies import RecordingConfigDep

router = APIRouter(tags=["disciplines"])


@router.get("/recording-config", status_code=200, responses=route_responses(401))
async def get_recording_config(
    principal: CurrentPrincipal, config: RecordingConfigDep
) -> RecordingConfig:
    """Read the entry types and each discipline's session-log fields, with the version."""
    return config
