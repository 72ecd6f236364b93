"""What the intervention unit's change feed carries: its records as its API shows them."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from intervention_api.assessments.schemas import AssessmentOut
from intervention_api.enrolments.schemas import EnrolmentRead
from intervention_api.sessions.schemas import SessionRead
from services.change_feed.schemas import CaseTombstone, Change, ChangePage


class EnrolmentFeedItem(Change):
    """An enrolment was made, replanned, progressed or ended; sent whole with its plan."""

    kind: Literal["enrolment"] = "enrolment"
    case_id: UUID
    enrolment: EnrolmentRead | None = None


class SessionFeedItem(Change):
    """A programme session was logged, coded (MITI) or withdrawn as entered in error;
    restricted detail only where you may read it."""

    kind: Literal["programme_session"] = "programme_session"
    case_id: UUID
    session: SessionRead | None = None


class AssessmentFeedItem(Change):
    """A parenting assessment version was started, edited, submitted, returned, signed off or
    superseded (for those who read assessments: not the system of record)."""

    kind: Literal["parenting_assessment"] = "parenting_assessment"
    case_id: UUID
    assessment: AssessmentOut | None = None


InterventionChange = Annotated[
    CaseTombstone | EnrolmentFeedItem | SessionFeedItem | AssessmentFeedItem,
    Field(discriminator="kind"),
]


class InterventionChangePage(ChangePage[InterventionChange]):
    """A page of the programme's changes, oldest first, and where to read on from."""
