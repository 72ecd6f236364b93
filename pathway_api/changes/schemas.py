"""What the pathway's change feed carries: its records as its API shows them, and tombstones."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from pathway_api.levels.schemas import LevelDecisionRead
from pathway_api.lifecycle.schemas import ConsentRead, InvolvementRead, TeamAroundTheFamily
from pathway_api.plans.schemas import AssessmentRead, ReviewRead, SafetyMappingRead, TargetRead
from pathway_api.transfers.schemas import TransferRead
from services.change_feed.schemas import CaseTombstone, Change, ChangePage


class InvolvementFeedItem(Change):
    """Early help on a case (its id is the case's): the stage and its history, the consents
    given and withdrawn, the Team Around the Family; sent whole whenever any of them changes."""

    kind: Literal["involvement"] = "involvement"
    case_id: UUID
    involvement: InvolvementRead | None = None
    consents: list[ConsentRead] = Field(default_factory=list)
    team: TeamAroundTheFamily | None = None


class LevelDecisionFeedItem(Change):
    """A level of need decided on the case (for the family or a child)."""

    kind: Literal["level_decision"] = "level_decision"
    case_id: UUID
    level_decision: LevelDecisionRead | None = None


class AssessmentFeedItem(Change):
    """A whole-family assessment, screened as the API screens it."""

    kind: Literal["assessment"] = "assessment"
    case_id: UUID
    assessment: AssessmentRead | None = None


class TargetFeedItem(Change):
    """A SMART target of the Family Action Plan, added or moved on."""

    kind: Literal["plan_target"] = "plan_target"
    case_id: UUID
    target: TargetRead | None = None


class ReviewFeedItem(Change):
    """A review of the plan."""

    kind: Literal["plan_review"] = "plan_review"
    case_id: UUID
    review: ReviewRead | None = None


class SafetyMappingFeedItem(Change):
    """A Signs of Safety mapping."""

    kind: Literal["safety_mapping"] = "safety_mapping"
    case_id: UUID
    safety_mapping: SafetyMappingRead | None = None


class TransferFeedItem(Change):
    """A step up or step down from the case, requested, met on or accepted."""

    kind: Literal["transfer"] = "transfer"
    case_id: UUID
    transfer: TransferRead | None = None


PathwayChange = Annotated[
    CaseTombstone
    | InvolvementFeedItem
    | LevelDecisionFeedItem
    | AssessmentFeedItem
    | TargetFeedItem
    | ReviewFeedItem
    | SafetyMappingFeedItem
    | TransferFeedItem,
    Field(discriminator="kind"),
]


class PathwayChangePage(ChangePage[PathwayChange]):
    """A page of the pathway's changes, oldest first, and where to read on from."""
