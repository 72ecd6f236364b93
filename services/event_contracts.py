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
from typing import Final, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

PREFIX = "uk.gov.fsm"
DIRECTORY_PRACTITIONER_CHANGED = f"{PREFIX}.directory.practitioner.changed"
DIRECTORY_TEAM_CHANGED = f"{PREFIX}.directory.team.changed"
# Every workbook event type under these prefixes carries a whole snapshot (CaseSnapshot,
# AllocationSnapshot); the last word says what happened: `case.opened`, `case.closed`,
# `case.reopened`, `case.episode_opened`, `allocation.changed`, and `<kind>.restated` for a
# record said again as it stands, unchanged (a subscriber catching up, demo data reloaded).
# The one exception is `case.destroyed` (CaseDestroyed below), which subscribers of case events
# receive through the same subscription and handle with a longer prefix of their own.
WORKBOOK_CASE_EVENTS = f"{PREFIX}.workbook.case."
WORKBOOK_ALLOCATION_EVENTS = f"{PREFIX}.workbook.allocation."
WORKBOOK_CASE_DESTROYED = f"{WORKBOOK_CASE_EVENTS}destroyed"
RESTATED = "restated"
# `uk.gov.fsm.<unit>.chronology.recorded`: something another unit did that belongs on a case's
# chronology (a group supervision decision, a programme milestone, a pathway step).
CHRONOLOGY_SUFFIX = "chronology.recorded"
# What kind of involvement a case is: statutory Family Safeguarding, or early help (targeted
# support below the statutory threshold, run through the pathway's plan-do-review). One family
# record and one chronology hold both; a family has at most one open case of each kind.
CaseKind = Literal["family_safeguarding", "early_help"]
FAMILY_SAFEGUARDING: Final = "family_safeguarding"
EARLY_HELP: Final = "early_help"
CASE_KINDS: tuple[str, ...] = (FAMILY_SAFEGUARDING, EARLY_HELP)


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


class CaseSnapshot(_Contract):
    """A case as the workbook holds it now; `version` grows with every change of the case.

    `episode_number` is the case's latest workbook episode: the open one while the case is
    open, the one its closure ended once it is closed.
    """

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    # A status this contract does not know is refused (dead-lettered), never guessed at:
    # whether a case is closed decides who may still see it.
    status: Literal["open", "closed"]
    # Publishers before case kinds announced Family Safeguarding cases only.
    kind: CaseKind = FAMILY_SAFEGUARDING
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    episode_number: int = Field(ge=1)
    version: int = Field(ge=1)


class AllocationSnapshot(_Contract):
    """An allocation as the workbook holds it now; `version` grows with every change of it.

    No name: a subscriber names the practitioner from its projection of the directory.
    """

    allocation_id: UUID
    case_id: UUID
    practitioner_id: UUID
    discipline: str = Field(min_length=1, max_length=64)
    is_allocated_social_worker: bool
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    version: int = Field(ge=1)


class ChronologyContribution(_Contract):
    """An item for a case's chronology from another unit, recorded once per event id."""

    case_id: UUID
    occurred_at: AwareDatetime
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=4000)


# `uk.gov.fsm.supervision.record.finalised`: a case's Group Case Supervision was held and its
# record finalised. The workbook opens the case's next episode from it, so role summaries are
# written per GCS cycle.
GCS_RECORD_FINALISED = f"{PREFIX}.supervision.record.finalised"


class GcsRecordFinalised(_Contract):
    """A case's GCS record finalised: ids and times only."""

    record_id: UUID
    meeting_id: UUID
    case_id: UUID
    held_at: AwareDatetime
    finalised_at: AwareDatetime


# The pathway's transfer between early help and Family Safeguarding, accepted by the receiving
# team: the workbook opens the family's case of the receiving kind (if it holds none open).
PATHWAY_TRANSFER_ACCEPTED = f"{PREFIX}.pathway.transfer.accepted"


class TransferAccepted(_Contract):
    """A step up or step down the receiving team accepted; ids and times only."""

    transfer_id: UUID
    family_id: UUID
    sending_case_id: UUID
    # The kind of case the family now needs: Family Safeguarding (a step up) or early help.
    kind: CaseKind
    receiving_team_id: UUID
    accepted_by: UUID
    accepted_at: AwareDatetime


# Supporting Families claims (the pathway): ids, codes and dates only, for subscribers that
# count claims (the words go to the chronology as contributions).
PATHWAY_CLAIM_READY = f"{PREFIX}.pathway.claim.ready"
PATHWAY_CLAIM_CLAIMED = f"{PREFIX}.pathway.claim.claimed"
PATHWAY_CLAIM_SAMPLED = f"{PREFIX}.pathway.claim.sampled"
PATHWAY_CLAIM_AUDIT_DECIDED = f"{PREFIX}.pathway.claim.audit_decided"


class ClaimReady(_Contract):
    """A closed early help involvement met every Supporting Families criterion."""

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    ready_on: date


class ClaimMade(_Contract):
    """A family claimed for, in the batch of a claim period."""

    claim_id: UUID
    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    batch_id: UUID
    claimed_at: AwareDatetime


class ClaimSampled(_Contract):
    """A claim drawn for audit, with the draw's seed (a re-draw gives the same claims)."""

    claim_id: UUID
    case_id: UUID
    batch_id: UUID
    seed: str
    drawn_at: AwareDatetime


class ClaimAuditDecided(_Contract):
    """The audit's decision on a sampled claim: accepted, or returned (out of its batch)."""

    claim_id: UUID
    case_id: UUID
    batch_id: UUID
    decision: Literal["accepted", "returned"]
    decided_at: AwareDatetime


class CaseDestroyed(_Contract):
    """The workbook destroyed a case's narrative under the retention schedule: every unit
    tombstones its own copies in the same way. Ids, the rule and the time only; never narrative.
    """

    case_id: UUID
    family_id: UUID
    certificate_id: UUID
    rule: str = Field(min_length=1, max_length=64)
    destroyed_at: AwareDatetime
