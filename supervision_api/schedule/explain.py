"""The scheduler's answer as the API shows it: meetings with their people, and each case not
on time with its reasons in words (who, which day), names as the directory announced them."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from services.working_days import LONDON
from supervision_api.schedule.inputs import TeamInputs
from supervision_api.schedule.schemas import (
    Person,
    ProposalContent,
    ProposalCounts,
    ProposedMeetingOut,
    ReasonOut,
    SolverOut,
    UnplacedCase,
)
from supervision_api.schedule.sessions import Session
from supervision_api.scheduling import (
    NoSlotBeforeDue,
    PersonBooked,
    PersonUnavailable,
    Reason,
    Schedule,
    SlotFull,
)


def person(practitioner_id: UUID, names: Mapping[UUID, str]) -> Person:
    return Person(practitioner_id=practitioner_id, display_name=names.get(practitioner_id))


def called(practitioner_id: UUID, names: Mapping[UUID, str]) -> str:
    """How a sentence names a practitioner: their name, or their id when none was announced."""
    return names.get(practitioner_id) or str(practitioner_id)


def when(session: Session) -> str:
    return f"{session.day.isoformat()} at {session.starts_at.astimezone(LONDON):%H:%M}"


def reason_out(
    reason: Reason, sessions: Mapping[str, Session], names: Mapping[UUID, str]
) -> ReasonOut:
    """One reason in words."""
    if isinstance(reason, NoSlotBeforeDue):
        return ReasonOut(
            kind="no_slot_before_due",
            description=f"No session on or before the due date {reason.due.isoformat()}.",
            session_id=None,
            day=None,
            person=None,
            busy=None,
        )
    session = sessions[reason.slot_id]
    if isinstance(reason, SlotFull):
        return ReasonOut(
            kind="capacity",
            description=f"The session on {when(session)} is full ({reason.capacity} cases).",
            session_id=reason.slot_id,
            day=reason.day,
            person=None,
            busy=None,
        )
    who = UUID(reason.person)
    if isinstance(reason, PersonUnavailable):
        what = "is absent" if reason.busy == "absence" else "is in another meeting"
        return ReasonOut(
            kind="person_unavailable",
            description=f"{called(who, names)} {what} during the session on {when(session)}.",
            session_id=reason.slot_id,
            day=reason.day,
            person=person(who, names),
            busy=reason.busy,
        )
    assert isinstance(reason, PersonBooked)
    other = sessions[reason.other_slot_id]
    return ReasonOut(
        kind="person_booked",
        description=(
            f"{called(who, names)} is proposed for the session on {when(other)}, which overlaps "
            f"the session on {when(session)}."
        ),
        session_id=reason.slot_id,
        day=reason.day,
        person=person(who, names),
        busy=None,
    )


def content(schedule: Schedule, inputs: TeamInputs, names: Mapping[UUID, str]) -> ProposalContent:
    """The stored and returned proposal."""
    sessions = inputs.sessions
    on_time = sum(1 for placement in schedule.placements if placement.on_time)
    report = schedule.report
    return ProposalContent(
        meetings=[
            ProposedMeetingOut(
                session_id=meeting.slot_id,
                starts_at=meeting.start,
                ends_at=meeting.end,
                place=sessions[meeting.slot_id].place,
                case_ids=[UUID(case_id) for case_id in meeting.case_ids],
                attendees=[person(UUID(who), names) for who in meeting.attendees],
            )
            for meeting in schedule.meetings
        ],
        unplaced=[
            UnplacedCase(
                case_id=UUID(unplaced.case_id),
                due_on=unplaced.due,
                placed_late_in=unplaced.late_slot_id,
                reasons=[reason_out(reason, sessions, names) for reason in unplaced.reasons],
            )
            for unplaced in schedule.unplaced
        ],
        counts=ProposalCounts(
            due_cases=len(inputs.due),
            on_time=on_time,
            late=len(schedule.placements) - on_time,
            not_placed=len(inputs.due) - len(schedule.placements),
        ),
        solver=SolverOut(
            status=report.status,
            counts_proved=report.counts_proved,
            gap=report.gap,
            cost=report.cost,
            cost_bound=report.cost_bound,
            wall_time_s=round(report.wall_time_s, 3),
        ),
    )
