"""The pathway's copies of a case's narrative, tombstoned when the workbook destroys the case.

The checklist is `pathway_api/subject_access.py`, and beyond it the transfers and claims:
the involvement's closing reason, stage changes' reasons, consents' withdrawal reasons, levels
of need's reasons, escalations' worries, assessments' summaries, Signs of Safety mappings,
plan targets' outcomes and measures, reviews' summaries and progress notes, transfers' reasons,
current picture and meeting notes, and claims' assurance notes and audit decisions' words.
Left as skeleton: stages, codes, levels, dates, who in their role (a target's owner, the
team around the family's contacts), and the names of family members who gave consent (people
stay, as in the workbook: they may be on another case).
"""

from __future__ import annotations

from pathway_api.claims.ledger.models import AuditDecision, Claim
from pathway_api.levels.models import LevelDecision
from pathway_api.lifecycle.models import Consent, Escalation, Involvement, StageChange
from pathway_api.models import destructions, kernel
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from pathway_api.transfers.models import Transfer
from services.inbox import Inbox
from services.retention.handler import DestructionHandler
from services.retention.tombstones import Narrative, Via, table_of

NARRATIVES = (
    Narrative("involvements", table_of(Involvement), text=("closed_reason",), version="version"),
    Narrative("stage_changes", table_of(StageChange), text=("reason",)),
    Narrative("consents", table_of(Consent), text=("withdrawn_reason",)),
    Narrative("levels_of_need", table_of(LevelDecision), text=("reason",)),
    Narrative("escalations", table_of(Escalation), text=("worry",)),
    Narrative("family_assessments", table_of(Assessment), text=("summary",)),
    Narrative(
        "safety_mappings",
        table_of(SafetyMapping),
        text=("worries", "working_well", "needs_to_happen"),
    ),
    Narrative("plan_targets", table_of(Target), text=("outcome", "measure")),
    Narrative(
        "plan_reviews",
        table_of(Review),
        text=("summary",),
        json_words={"progress": ("note",)},
    ),
    Narrative(
        "transfers",
        table_of(Transfer),
        text=("reason", "current_picture", "meeting_notes"),
        version="version",
    ),
    Narrative("claims", table_of(Claim), text=("assurance_note",), version="version"),
    Narrative(
        "claim_audit_decisions",
        table_of(AuditDecision),
        text=("reasons", "evidence_requested"),
        via=Via("claim_id", table_of(Claim)),
    ),
)

DESTRUCTION = DestructionHandler(kernel, destructions, NARRATIVES)


def register(inbox: Inbox) -> Inbox:
    """Take the workbook's `case.destroyed` on the pathway's inbox."""
    return DESTRUCTION.register(inbox)
