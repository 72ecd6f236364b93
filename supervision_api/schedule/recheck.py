"""Whether a stored proposal can still be booked as it stands.

A proposal is a snapshot: between proposing and accepting, a meeting may be booked, an
absence recorded, a case closed, a worker allocated, a slot changed. Accepting re-checks every
proposed meeting against the tables now, on the same rules the scheduler used (the session is
still offered, has not started and takes its cases; each case is still an open case of the team,
due in the window and not booked; everyone allocated now is free), and that the chair (the
proposing manager, or the manager they named) still belongs to the team when someone else
accepts. Anything that fails makes
the whole proposal stale: booking part of it would leave the manager a schedule nobody chose,
so the answer is a 409 listing each conflict, and the manager proposes again. Changes that
touch none of the proposed meetings (another case falling due, say) do not stop it: the next
proposal picks those up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.working_days import local_date
from supervision_api.meetings.repository import is_team_member
from supervision_api.schedule import repository
from supervision_api.schedule.explain import called
from supervision_api.schedule.inputs import TeamInputs, day_start
from supervision_api.schedule.schemas import ProposalContent, ProposedMeetingOut
from supervision_api.scheduling.problem import overlaps

ONE_DAY = timedelta(days=1)


def _case_conflicts(meeting: ProposedMeetingOut, inputs: TeamInputs) -> list[str]:
    found: list[str] = []
    for case_id in meeting.case_ids:
        if case_id in inputs.booked:
            found.append(f"Case {case_id} has been booked for a GCS since.")
        elif case_id not in inputs.open_cases:
            found.append(f"Case {case_id} is no longer an open case of the team.")
        elif case_id not in inputs.due:
            found.append(f"Case {case_id} is no longer due by {inputs.last_day.isoformat()}.")
    return found


def _session_conflicts(meeting: ProposedMeetingOut, inputs: TeamInputs, now: datetime) -> list[str]:
    session = inputs.sessions.get(meeting.session_id)
    day = local_date(meeting.starts_at).isoformat()
    if session is None or (session.starts_at, session.ends_at, session.place) != (
        meeting.starts_at,
        meeting.ends_at,
        meeting.place,
    ):
        return [f"The session on {day} is no longer offered as proposed (its slot changed)."]
    found = []
    if session.capacity < len(meeting.case_ids):
        found.append(f"The session on {day} now takes {session.capacity} cases.")
    if meeting.starts_at <= now:
        found.append(f"The session on {day} has started.")
    return found


async def conflicts(
    session: AsyncSession,
    proposal: ProposalContent,
    inputs: TeamInputs,
    now: datetime,
    accepted_by: UUID,
    *,
    chair_named: bool = False,
) -> list[str]:
    """Every reason the proposal cannot be booked as it stands (none: book it).

    A chair the proposer named was admitted as a manager of the team, so that is what is
    checked again; the proposer chairing was admitted by their own token, and needs only
    still belong to the team."""
    found: list[str] = []
    today = local_date(now)
    if proposal.meetings and inputs.chair_id != accepted_by:
        if chair_named:
            if not await repository.manages_team(session, inputs.chair_id, inputs.team_id, today):
                found.append("The proposed chair no longer manages the team.")
        elif not await is_team_member(session, inputs.chair_id, inputs.team_id, today):
            found.append("The proposed chair is no longer a member of the team.")
    case_ids = [case_id for meeting in proposal.meetings for case_id in meeting.case_ids]
    allocated = await repository.allocated_now(session, case_ids)
    attendees: dict[int, set[UUID]] = {}
    for number, meeting in enumerate(proposal.meetings):
        found += _session_conflicts(meeting, inputs, now)
        found += _case_conflicts(meeting, inputs)
        people = {inputs.chair_id}
        for case_id in meeting.case_ids:
            people |= allocated.get(case_id, set())
        attendees[number] = people
    everyone = set().union(*attendees.values()) if attendees else set()
    names = await repository.display_names(session, everyone)
    busy = await _busy(session, everyone, proposal)
    for number, meeting in enumerate(proposal.meetings):
        day = local_date(meeting.starts_at).isoformat()
        for who in sorted(attendees[number], key=str):
            for kind, starts, ends in busy.get(who, []):
                if overlaps(meeting.starts_at, meeting.ends_at, starts, ends):
                    what = "is absent" if kind == "absence" else "now has another meeting"
                    found.append(f"{called(who, names)} {what} during the session on {day}.")
                    break
        for other in range(number):
            shared = attendees[number] & attendees[other]
            theirs = proposal.meetings[other]
            if shared and overlaps(
                meeting.starts_at, meeting.ends_at, theirs.starts_at, theirs.ends_at
            ):
                who = min(shared, key=str)
                found.append(
                    f"{called(who, names)} would be in two overlapping proposed sessions on {day}."
                )
    return found


async def _busy(
    session: AsyncSession, people: set[UUID], proposal: ProposalContent
) -> Mapping[UUID, list[tuple[str, datetime, datetime]]]:
    if not proposal.meetings or not people:
        return {}
    start = min(meeting.starts_at for meeting in proposal.meetings)
    end = max(meeting.ends_at for meeting in proposal.meetings)
    busy: dict[UUID, list[tuple[str, datetime, datetime]]] = {}
    for who, starts, ends in await repository.meetings_of(session, people, start, end):
        busy.setdefault(who, []).append(("meeting", starts, ends))
    first, last = local_date(start), local_date(end)
    for absence in await repository.absences_of(session, people, first, last):
        busy.setdefault(absence.practitioner_id, []).append(
            ("absence", day_start(absence.first_day), day_start(absence.last_day + ONE_DAY))
        )
    return busy
