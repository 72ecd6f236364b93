"""Request and response bodies for the lifecycle, consent, the TAF and escalations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from pathway_api.lifecycle.stages import OpenStage, Stage
from services.schemas import Input, ReadModel

Reason = Field(min_length=3, max_length=2000)
ConsentScope = Literal["assessment", "plan", "information_sharing"]


class Transition(Input):
    """Move the involvement to the next stage, saying why."""

    to: OpenStage = Field(description="The stage to move to; closing has its own action")
    reason: str = Reason
    coordinated_with: list[UUID] = Field(
        default_factory=list,
        max_length=10,
        json_schema_extra={"uniqueItems": True},
        description=(
            "Moving to assessment: the family's other open cases with an assessment under way "
            "(named by the refusal) whose teams agreed that this one goes ahead"
        ),
    )


class Closure(Input):
    """End early help: why, and when the family was told."""

    reason: str = Reason
    family_informed_on: date = Field(description="When the family was told early help ends")


class StageChangeRead(ReadModel):
    """One move in the lifecycle."""

    from_stage: Stage | None
    to_stage: Stage
    reason: str
    changed_by: UUID
    changed_at: datetime


class Lead(ReadModel):
    """The family's lead practitioner: the early help case's allocated worker."""

    practitioner_id: UUID
    display_name: str | None
    since: datetime


class InvolvementRead(ReadModel):
    """Where early help stands with a family."""

    case_id: UUID
    family_id: UUID
    stage: Stage
    stage_changed_at: datetime | None
    next_review_due: date | None
    step_up_prompted: bool
    closed_reason: str | None
    family_informed_on: date | None
    lead: Lead | None
    consent_in_force: list[ConsentScope]
    history: list[StageChangeRead]


class ConsentCreate(Input):
    """A family member's consent, as they gave it."""

    person_id: UUID = Field(description="The workbook's id of the family member")
    member_name: str = Field(min_length=1, max_length=200)
    form: Literal["verbal", "written"]
    scopes: list[ConsentScope] = Field(min_length=1, max_length=3)
    given_on: date


class ConsentWithdraw(Input):
    """A family member withdraws consent; what it covered stops."""

    withdrawn_on: date
    reason: str = Reason


class ConsentRead(ReadModel):
    """A consent and, if withdrawn, when and why."""

    id: UUID
    case_id: UUID
    person_id: UUID
    member_name: str
    form: Literal["verbal", "written"]
    scopes: list[ConsentScope]
    given_on: date
    recorded_by: UUID
    recorded_at: datetime
    withdrawn_on: date | None
    withdrawn_reason: str | None
    in_force: bool


class TafContactCreate(Input):
    """A Team Around the Family member with no account here."""

    name: str = Field(min_length=1, max_length=200)
    agency: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, min_length=3, max_length=300)


class TafContactRead(ReadModel):
    """A TAF contact."""

    id: UUID
    case_id: UUID
    name: str
    agency: str
    role: str
    contact: str | None
    added_by: UUID
    added_at: datetime
    ended_at: datetime | None


class TafMember(ReadModel):
    """A TAF member with an account: an allocation on the early help case."""

    practitioner_id: UUID
    display_name: str | None
    discipline: str
    lead: bool
    since: datetime


class TeamAroundTheFamily(ReadModel):
    """Who works with the family: practitioners with accounts, and contacts without."""

    members: list[TafMember]
    contacts: list[TafContactRead]


class EscalationCreate(Input):
    """Escalate to child protection: the worry of significant harm."""

    worry: str = Field(min_length=3, max_length=4000)


class EscalationRead(ReadModel):
    """An escalation, and when the referral decision is due."""

    id: UUID
    case_id: UUID
    worry: str
    raised_by: UUID
    raised_at: datetime
    referral_decision_due: date
