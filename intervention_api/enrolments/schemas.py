"""Request and response bodies for enrolments, their plans and progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from intervention_api.programmes.definition import CODE_PATTERN
from services.schemas import Input, ReadModel

ModuleCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Participant = Literal["parent", "family"]
ModuleStatus = Literal["not_started", "in_progress", "completed", "not_applicable"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PlanItem(Input):
    """One module of the plan, in the order the plan lists them."""

    module_code: ModuleCode
    worker_id: UUID | None = Field(
        default=None, description="The worker who delivers it (default: the lead worker)"
    )
    due_within_working_days: int | None = Field(
        default=None,
        ge=1,
        le=520,
        description="To be finished within this many working days of enrolment (England)",
    )


class EnrolmentCreate(Input):
    """Enrol a parent (or the family) on a programme version, with a plan."""

    programme_id: UUID = Field(description="The programme version to follow")
    participant: Participant
    person_id: UUID | None = Field(
        default=None,
        description="The workbook's id of the parent (for a parent; none for the family)",
    )
    lead_worker_id: UUID | None = Field(
        default=None, description="A worker allocated to the case (default: you)"
    )
    plan: list[PlanItem] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _parent_is_named(self) -> Self:
        if (self.participant == "parent") != (self.person_id is not None):
            raise ValueError("A parent's enrolment names the parent (person_id); a family's not.")
        codes = [item.module_code for item in self.plan]
        if len(set(codes)) != len(codes):
            raise ValueError("Each module is planned once.")
        return self


class ProgressUpdate(Input):
    """Set one planned module's progress; `not_applicable` needs a reason."""

    module_code: ModuleCode
    status: ModuleStatus
    reason: Reason | None = None

    @model_validator(mode="after")
    def _reason_when_not_applicable(self) -> Self:
        if self.status == "not_applicable" and self.reason is None:
            raise ValueError("Say why the module does not apply (reason).")
        return self


class PlanUpdate(Input):
    """The plan as it is to be: every module in order, with its worker and due date. Modules
    already planned keep their progress; one with progress or sessions cannot leave the plan."""

    lead_worker_id: UUID | None = Field(
        default=None, description="A new lead worker, allocated to the case (default: unchanged)"
    )
    plan: list[PlanItem] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _each_module_once(self) -> Self:
        codes = [item.module_code for item in self.plan]
        if len(set(codes)) != len(codes):
            raise ValueError("Each module is planned once.")
        return self


class EnrolmentEnd(Input):
    """End an enrolment before its plan is done, or once it is."""

    reason: Reason


class PlannedModuleRead(ReadModel):
    """A module of the plan with its progress."""

    module_code: str
    title: str
    position: int
    worker_id: UUID
    worker_name: str | None = Field(description="As the directory names them; none if unknown")
    due_on: date | None
    status: ModuleStatus
    status_reason: str | None
    status_changed_at: datetime | None
    completed_at: datetime | None
    overdue: bool
    sessions_attended: int


class EnrolmentRead(ReadModel):
    """An enrolment, its plan and where it has got to."""

    id: UUID
    case_id: UUID
    programme_id: UUID
    programme_code: str
    programme_version: int
    programme_title: str
    participant: Participant
    person_id: UUID | None
    lead_worker_id: UUID
    lead_worker_name: str | None
    status: Literal["active", "ended"]
    enrolled_at: datetime
    enrolled_by: UUID
    ended_at: datetime | None
    end_reason: str | None
    version: int
    modules: list[PlannedModuleRead]
    sessions_attended: int
    sessions_missed: int
    sessions_cancelled: int
    # attended / (attended + did not attend); cancelled sessions are left out. None before any.
    attendance_rate: float | None
    modules_overdue: int
    modules_done: int


class CaseProgramme(ReadModel):
    """The family view: every enrolment on the case, who is where, what is overdue."""

    case_id: UUID
    enrolments: list[EnrolmentRead]
    attendance_rate: float | None
    modules_overdue: int


class CaseloadItem(ReadModel):
    """One active enrolment in a caseload."""

    enrolment_id: UUID
    case_id: UUID
    owning_team_id: UUID
    participant: Participant
    person_id: UUID | None
    lead_worker_id: UUID
    lead_worker_name: str | None
    programme_title: str
    programme_version: int
    current_module: str | None
    modules_done: int
    modules_planned: int
    modules_overdue: int
    attendance_rate: float | None
    last_session_on: date | None


class ProgressChangeRead(ReadModel):
    """One change of a module's progress: who, when, from, to, why (or which session)."""

    id: UUID
    module_code: str
    from_status: ModuleStatus
    to_status: ModuleStatus
    reason: str | None
    changed_by: UUID
    changed_by_name: str | None = Field(description="As the directory last named them")
    changed_at: datetime
    session_id: UUID | None = Field(
        description="The attended session that started the module, when no worker set it"
    )
