"""Workbook settings: the kernel's plus the workbook's own vocabularies and limits."""

from __future__ import annotations

from fastapi import Request
from pydantic import Field, model_validator

from services.settings import KernelSettings

DEFAULT_ACCESS_PURPOSES = (
    "direct_work",
    "case_management",
    "supervision",
    "safeguarding_enquiry",
    "quality_assurance",
    "system_sync",
)


class WorkbookSettings(KernelSettings):
    """Configuration of the workbook service (`FSM_*` variables, like the kernel's)."""

    # Why a caller reads or writes case data; recorded on every audit row.
    access_purposes: tuple[str, ...] = DEFAULT_ACCESS_PURPOSES
    default_access_purpose: str = "direct_work"
    # Disciplines that may hold the "allocated social worker" slot on a case.
    social_work_disciplines: tuple[str, ...] = ("social_worker", "consultant_social_worker")
    break_glass_max_minutes: int = Field(default=480, ge=1, le=24 * 60)
    break_glass_min_justification: int = Field(default=20, ge=1, le=500)

    @model_validator(mode="after")
    def _default_purpose_is_in_vocabulary(self) -> WorkbookSettings:
        if self.default_access_purpose not in self.access_purposes:
            raise ValueError("default_access_purpose must be one of access_purposes")
        return self


def workbook_settings(settings: KernelSettings | None) -> WorkbookSettings:
    """Widen kernel settings (as tests and the CLI build them) to the workbook's."""
    if isinstance(settings, WorkbookSettings):
        return settings
    if settings is None:
        return WorkbookSettings()
    return WorkbookSettings.model_validate(settings.model_dump())


def settings_from(request: Request) -> WorkbookSettings:
    """The running app's workbook settings."""
    settings: WorkbookSettings = request.app.state.settings
    return settings
