"""Who may call the recording endpoints at all; which records they reach is decided in SQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.auth import require_any_role
from services.principal import Principal

# Practitioners and team managers record; auditors and the system of record only read.
RECORDING_ROLES = ("practitioner", "team_manager")
READING_ROLES = ("practitioner", "team_manager", "auditor", "system")

Recorder = Annotated[Principal, Depends(require_any_role(*RECORDING_ROLES))]
Reader = Annotated[Principal, Depends(require_any_role(*READING_ROLES))]
