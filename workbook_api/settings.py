"""Workbook settings: the kernel's plus the workbook's own vocabularies and limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field

from services.settings import KernelSettings


class WorkbookSettings(KernelSettings):
    """Configuration of the workbook service (`FSM_*` variables, like the kernel's)."""

    # Disciplines that may hold the "allocated social worker" slot on a case.
    social_work_disciplines: tuple[str, ...] = ("social_worker", "consultant_social_worker")
    break_glass_max_minutes: int = Field(default=480, ge=1, le=24 * 60)
    break_glass_min_justification: int = Field(default=20, ge=1, le=500)
    # The council's recording configuration (entry types, session-log fields per discipline);
    # FSM_WORKBOOK_RECORDING_CONFIG. Unset: the example configuration shipped with the service.
    workbook_recording_config: Path | None = None


def workbook_settings(settings: KernelSettings | None) -> WorkbookSettings:
    """Widen kernel settings (as tests and the CLI build them) to the workbook's."""
    if isinstance(settings, WorkbookSettings):
        return settings
    if settings is None:
        return WorkbookSettings()
    return WorkbookSettings.model_validate(settings.model_dump())


async def settings_from(request: Request) -> WorkbookSettings:
    """The running app's workbook settings."""
    settings: WorkbookSettings = request.app.state.settings
    return settings


WorkbookSettingsDep = Annotated[WorkbookSettings, Depends(settings_from)]
