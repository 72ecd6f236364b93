"""Responses for the programme catalogue."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from intervention_api.programmes.definition import ModuleDefinition
from services.schemas import ReadModel


class ProgrammeSummary(ReadModel):
    """A programme version, without its modules (for lists)."""

    id: UUID
    code: str
    version: int
    title: str
    notice: str | None
    module_count: int
    loaded_at: datetime


class ProgrammeRead(ProgrammeSummary):
    """A programme version with its modules, in their order."""

    description: str | None
    modules: list[ModuleDefinition]
    loaded_by: UUID
