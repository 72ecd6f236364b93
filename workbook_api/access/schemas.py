"""Request and response bodies for break-glass access."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class BreakGlassRequest(BaseModel):
    """Ask for time-limited access to a case, saying why (read by the team manager)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # PostgreSQL text cannot hold NUL: refused here, as the pattern says, not at the database.
    justification: str = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")
    duration_minutes: int = Field(ge=1, le=24 * 60, description="Capped by configuration")


class BreakGlassGrantRead(BaseModel):
    """A use of break-glass: who, on which case, why, when and until when."""

    id: UUID
    case_id: UUID
    owning_team_id: UUID
    practitioner_id: UUID
    practitioner_name: str
    discipline: str
    justification: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by_practitioner_id: UUID | None
    active: bool
