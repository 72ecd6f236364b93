"""The payloads units send each other, defined once so producer and consumer cannot drift.

Units never import each other; what crosses between them is a CloudEvent whose `data` is one
of these. Events carry what the receiving unit needs to keep its projection or its record, and
no more: directory snapshots name no email or identity-provider subject, and case events from
the workbook carry ids, times and flags only. The one kind that carries words is a chronology
contribution, because its destination is the case record itself, read under the record's own
access rules.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

PREFIX = "uk.gov.fsm"
DIRECTORY_PRACTITIONER_CHANGED = f"{PREFIX}.directory.practitioner.changed"
DIRECTORY_TEAM_CHANGED = f"{PREFIX}.directory.team.changed"
# `uk.gov.fsm.<unit>.chronology.recorded`: something another unit did that belongs on a case's
# chronology (a group supervision decision, a programme milestone, a pathway step).
CHRONOLOGY_SUFFIX = "chronology.recorded"


def chronology_type(unit: str) -> str:
    """The event type a unit sends its chronology contributions as."""
    return f"{PREFIX}.{unit}.{CHRONOLOGY_SUFFIX}"


class _Contract(BaseModel):
    # Producers may add members later; consumers read what they know and ignore the rest.
    model_config = ConfigDict(extra="ignore", frozen=True)


class MembershipSnapshot(_Contract):
    """One of a practitioner's team memberships, current or past."""

    team_id: UUID
    role_in_team: str
    valid_from: date | None = None
    valid_to: date | None = None

    def current_on(self, day: date) -> bool:
        """In force on `day` (from inclusive, to exclusive)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to > day
        )


class PractitionerSnapshot(_Contract):
    """A practitioner as the directory holds them now; `version` grows with every change."""

    practitioner_id: UUID
    display_name: str
    discipline: str
    roles: list[str]
    active: bool
    memberships: list[MembershipSnapshot] = Field(default_factory=list)
    version: int = Field(ge=1)

    def team_ids_on(self, day: date) -> list[UUID]:
        """The teams the practitioner belongs to on `day`."""
        return sorted({m.team_id for m in self.memberships if m.current_on(day)})


class TeamSnapshot(_Contract):
    """A team as the directory holds it now."""

    team_id: UUID
    name: str
    code: str
    active: bool
    version: int = Field(ge=1)


class ChronologyContribution(_Contract):
    """An item for a case's chronology from another unit, recorded once per event id."""

    case_id: UUID
    occurred_at: AwareDatetime
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=4000)
