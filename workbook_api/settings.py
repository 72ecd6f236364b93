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
    # The systems of record whose keys the workbook keeps (FSM_EXTERNAL_SYSTEMS, a JSON list of
    # lower-case codes): a council names the ones it runs, say Mosaic, Liquidlogic's LCS and
    # EHM, or Eclipse.
    external_systems: tuple[str, ...] = ("mosaic", "lcs", "ehm", "eclipse")
    # Imports: the largest file taken (its bytes as sent, and decompressed), how many rows a
    # chunk applies in one transaction, how long the runner rests after each chunk (as a
    # share of the time the chunk took: the database's time left to other users while an
    # import runs), and how long a runner's claim on a job lasts without a chunk committing
    # before another replica may take the job over.
    import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    import_chunk_rows: int = Field(default=500, ge=1, le=10_000)
    import_pause_ratio: float = Field(default=0.25, ge=0, le=20)
    import_lease_seconds: float = Field(default=60.0, gt=0)
    import_poll_seconds: float = Field(default=2.0, gt=0)
    # Subject access exports: how long a runner's claim lasts without progress (laying out a
    # large bundle's PDF is one step, so it outlasts that), and how often idle runners look.
    subject_access_lease_seconds: float = Field(default=300.0, gt=0)
    subject_access_poll_seconds: float = Field(default=2.0, gt=0)


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
