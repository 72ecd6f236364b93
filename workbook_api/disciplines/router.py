"""HTTP endpoint publishing the recording configuration clients build their forms from."""

from __future__ import annotations

from services.auth import CurrentPrincipal
from services.routing import kit_router
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.disciplines.dependencies import RecordingConfigDep

router = kit_router(tags=["disciplines"])


@router.get("/recording-config", summary="Read the recording configuration")
async def get_recording_config(
    principal: CurrentPrincipal, config: RecordingConfigDep
) -> RecordingConfig:
    """Read the entry types and each discipline's session-log fields, with the version."""
    return config
