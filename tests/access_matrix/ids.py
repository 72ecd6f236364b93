"""How the matrix finds an id for every path parameter: one entry per parameter name.

A new endpoint needs nothing here unless it brings a path parameter name not listed; then the
matrix fails, naming the parameter, until an entry says how to find (for reads) and create (for
writes) a record for it. Each id comes with the audience of the record it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.registry import INTERVENTION, SUPERVISION
from tests.access_matrix import claims, subject_access, supervision
from tests.access_matrix import personas as p
from tests.access_matrix.bodies import BuildError
from tests.access_matrix.interventions import (
    load_programme,
    scratch_case,
    scratch_enrolment,
    scratch_session,
)
from tests.access_matrix.operations import Operation
from tests.access_matrix.scratch import Scratch
from tests.access_matrix.world import World


@dataclass(frozen=True)
class IdChoice:
    """An id for a path parameter, the audience of what it names, and a label for reports."""

    value: str
    audience: p.Audience
    label: str


ReadIds = Callable[[World, Operation], list[IdChoice]]
WriteId = Callable[[Scratch, Operation], Awaitable[IdChoice]]


def new_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class IdSource:
    """Where ids for one path parameter come from."""

    read: ReadIds
    write: WriteId
    # An id that names nothing, to compare an outsider's answer with.
    missing: Callable[[], str] = new_uuid


# Writes that need their record in a particular state get one in it (default: open, final).
STATES: dict[str, dict[str, str]] = {
    "POST /workbook/cases/{case_id}/reopen": {"case_id": "closed"},
    "PATCH /workbook/cases/{case_id}/entries/{entry_id}": {"entry_id": "draft"},
    "POST /workbook/cases/{case_id}/entries/{entry_id}/finalise": {"entry_id": "draft"},
    "PATCH /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}": {
        "summary_id": "draft"
    },
    "POST /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}/finalise": {
        "summary_id": "draft"
    },
}


# Intervention: the state each assessment write needs its version in (assessments.py).
_ASSESSMENT = "POST /interventions/assessments/{assessment_id}"
STATES.update(
    {
        "PATCH /interventions/assessments/{assessment_id}": {"assessment_id": "draft"},
        f"{_ASSESSMENT}/submit": {"assessment_id": "complete"},
        f"{_ASSESSMENT}/return": {"assessment_id": "submitted"},
        f"{_ASSESSMENT}/sign-off": {"assessment_id": "submitted"},
        f"{_ASSESSMENT}/versions": {"assessment_id": "signed_off"},
    }
)


def state(op: Operation, parameter: str) -> str:
    """The state the operation needs the parameter's record in."""
    return STATES.get(op.key, {}).get(parameter, "default")


def one(value: str, audience: p.Audience, label: str) -> list[IdChoice]:
    return [IdChoice(value, audience, label)]


def entry_ids(world: World, op: Operation) -> list[IdChoice]:
    """Every kind of entry, or (under /sessions/) every session log."""
    audiences = {"draft": p.DRAFT_BY_SOCIAL_WORKER, "withdrawn": p.WITHDRAWN_A}
    chosen = world.sessions if "/sessions/" in op.path else world.entries
    return [IdChoice(v, audiences.get(k, p.CASE_A), k) for k, v in chosen.items()]


def summary_ids(world: World, op: Operation) -> list[IdChoice]:
    """The restricted, standard and draft summaries of episode 1."""
    return [
        IdChoice(v, p.DRAFT_BY_SOCIAL_WORKER if k == "draft" else p.CASE_A, f"{k} summary")
        for k, v in world.summaries.items()
    ]


# Writes that use their case up (a closed case cannot be closed again): one case per request.
USED_UP_CASES = frozenset(
    {"POST /workbook/cases/{case_id}/close", "POST /workbook/cases/{case_id}/reopen"}
)


async def scratch_case_id(scratch: Scratch, op: Operation) -> IdChoice:
    closed = state(op, "case_id") == "closed"
    if op.key in USED_UP_CASES:
        case = await scratch.fresh_case(closed=closed)
    else:
        case = await scratch.case(closed=closed)
    return IdChoice(case.case_id, p.CASE_A, "closed scratch case" if closed else "scratch case")


async def scratch_entry_id(scratch: Scratch, op: Operation) -> IdChoice:
    if state(op, "entry_id") == "draft":
        return IdChoice(await scratch.entry(draft=True), p.DRAFT_BY_SOCIAL_WORKER, "draft")
    return IdChoice(await scratch.entry(draft=False), p.CASE_A, "final entry")


async def scratch_summary_id(scratch: Scratch, op: Operation) -> IdChoice:
    if state(op, "summary_id") == "draft":
        return IdChoice(await scratch.summary(draft=True), p.DRAFT_BY_SOCIAL_WORKER, "draft")
    return IdChoice(await scratch.summary(draft=False), p.CASE_A, "final summary")


async def scratch_family_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).family_id, p.CASE_A, "scratch family")


async def scratch_person_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).parent_id, p.CASE_A, "scratch parent")


async def scratch_relationship_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice((await scratch.case()).relationship_id, p.CASE_A, "scratch relationship")


async def scratch_allocation_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.allocation(), p.CASE_A, "scratch allocation")


async def scratch_grant_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.grant(), p.CASE_A, "scratch grant")


async def scratch_subscription_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.subscription(op.unit), p.WEBHOOKS, "scratch subscription")


async def scratch_delivery_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.dead_delivery(op.unit), p.WEBHOOKS, "scratch dead delivery")


async def scratch_assessment_id(scratch: Scratch, op: Operation) -> IdChoice:
    wanted = state(op, "assessment_id")
    made = await scratch.assessment("signed_off" if wanted == "default" else wanted)
    return IdChoice(made, p.ASSESSMENT_A, f"{wanted} assessment")


async def scratch_hold_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.hold(), p.DPO_ONLY, "scratch legal hold")


async def scratch_classification_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.classification(), p.DPO_ONLY, "scratch classification")


async def scratch_sar_id(scratch: Scratch, op: Operation) -> IdChoice:
    # A request of its own for every request (an extension uses its request up).
    parent = (await scratch.case()).parent_id
    sar = await subject_access.request_about(scratch.stack, parent)
    return IdChoice(sar, p.DPO_ONLY, "scratch subject access request")


async def scratch_export_id(scratch: Scratch, op: Operation) -> IdChoice:
    # An export of its own for every request (bundling uses its export up).
    parent = (await scratch.case()).parent_id
    sar = await subject_access.request_about(scratch.stack, parent)
    bundled = subject_access.wants_bundled(op)
    export, item = await subject_access.export_of(scratch.stack, sar, bundled=bundled)
    scratch.subject_access.update(export_id=export, item=item)
    return IdChoice(export, p.DPO_ONLY, "bundled export" if bundled else "export in review")


async def scratch_redaction_id(scratch: Scratch, op: Operation) -> IdChoice:
    # On the export the path's export_id was just given.
    export, item = scratch.subject_access["export_id"], scratch.subject_access["item"]
    redaction = await subject_access.reviewer_redaction(scratch.stack, export, item)
    return IdChoice(redaction, p.DPO_ONLY, "reviewer's redaction")


async def first_episode(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice("1", p.EVERYONE, "episode 1")


async def scratch_team_id(scratch: Scratch, op: Operation) -> IdChoice:
    # A team of its own: administrators only (no manager manages it).
    return IdChoice(await scratch.team(), frozenset({p.ADMINISTRATOR}), "scratch team")


async def scratch_practitioner_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.practitioner(), p.DIRECTORY_A, "scratch practitioner")


async def scratch_membership_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.membership(), p.DIRECTORY_A, "scratch membership")


SYSTEM = "mosaic"
# The record type each by-external-id path names.
_KEYED = {"families": "family", "people": "person", "cases": "case", "allocations": "allocation"}


def world_key(world: World, op: Operation) -> list[IdChoice]:
    """The key the system of record knows the world's record of the path's type by."""
    record_type = _KEYED[op.path.split("/")[1]]
    return one(world.keys[record_type], p.SYSTEM_ONLY, f"{record_type} A's key")


async def new_key(scratch: Scratch, op: Operation) -> IdChoice:
    # A key nothing is known by yet: the upsert creates the record.
    return IdChoice(f"MTX{uuid.uuid4().hex[:16]}", p.SYSTEM_ONLY, "new key")


async def mosaic(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(SYSTEM, p.EVERYONE, SYSTEM)


async def scratch_review_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.review(), p.REVIEW_A, "scratch review")


async def scratch_import_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await scratch.held_import(), p.IMPORTERS, "unfinished import")


def directory_id(world: World, kind: str, persona: str = p.SOCIAL_WORKER) -> str:
    """A team A directory record: the team, or a member's practitioner or membership id."""
    directory = world.directory
    if kind == "team":
        return str(directory.team_ids[p.TEAM_A])
    if kind == "practitioner":
        return str(directory.practitioner_ids[persona])
    return str(directory.membership_ids[persona])


async def scim_id(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(new_uuid(), p.EVERYONE, "SCIM resource (needs the SCIM credential)")


def scim_ids(world: World, op: Operation) -> list[IdChoice]:
    """SCIM resources: no persona's token reaches them, whatever the id names."""
    return one(new_uuid(), p.EVERYONE, "SCIM resource (needs the SCIM credential)")


# --- intervention (issue 9) -------------------------------------------------------------------
# Its case records are case A's less break-glass; its scratch cases are relayed to it first.


def case_a_ids(world: World, op: Operation) -> list[IdChoice]:
    if is_pathway(op) and claims.is_claims(op.path):
        # A family's claim readiness: the claims team's and the family's team's manager's.
        return one(world.early_help_a, claims.CLAIM_A, "family A's early help (claims)")
    if is_pathway(op):
        return case_ids(world, op)
    if op.unit is INTERVENTION:
        return one(world.case_a, p.PROJECTED_CASE_A, "case A (as the unit projects it)")
    if op.unit is SUPERVISION:
        return one(world.case_a, supervision.CASE_A, "case A (as the unit projects it)")
    if "/retention/" in op.path:
        # A case's retention (its classifications) is the DPO's, whoever works on the case.
        return one(world.case_a, p.DPO_ONLY, "case A's retention")
    return one(world.case_a, p.CASE_A, "case A")


async def case_id_for(scratch: Scratch, op: Operation) -> IdChoice:
    if is_pathway(op) and claims.is_claims(op.path):
        # Claiming uses the family up: each request gets a ready family of its own.
        return IdChoice(await scratch.ready_to_claim(), claims.CLAIM_A, "family ready to claim")
    if is_pathway(op):
        return await any_case_id(scratch, op)
    if op.unit is INTERVENTION:
        return IdChoice(await scratch_case(scratch), p.PROJECTED_CASE_A, "scratch case")
    return await scratch_case_id_anywhere(scratch, op)


def intervention_record(kind: str) -> ReadIds:
    def read(world: World, op: Operation) -> list[IdChoice]:
        return one(world.interventions[kind], p.PROJECTED_CASE_A, f"{kind} on case A")

    return read


async def scratch_enrolment_id(scratch: Scratch, op: Operation) -> IdChoice:
    # Ending an enrolment uses it up: each request ends one of its own.
    fresh = op.path.endswith("/end")
    return IdChoice(
        await scratch_enrolment(scratch, fresh=fresh), p.PROJECTED_CASE_A, "scratch enrolment"
    )


async def scratch_programme_session_id(scratch: Scratch, op: Operation) -> IdChoice:
    # Withdrawing a session uses it up: each request withdraws one of its own.
    fresh = op.path.endswith("/withdraw")
    return IdChoice(
        await scratch_session(scratch, fresh=fresh), p.PROJECTED_CASE_A, "scratch session"
    )


async def new_programme(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice(await load_programme(scratch.stack), p.AUTHENTICATED, "new programme")


INTERVENTION_IDS: dict[str, IdSource] = {
    "enrolment_id": IdSource(read=intervention_record("enrolment"), write=scratch_enrolment_id),
    "session_id": IdSource(read=intervention_record("session"), write=scratch_programme_session_id),
    "programme_id": IdSource(
        read=lambda w, op: one(w.interventions["programme"], p.AUTHENTICATED, "programme"),
        write=new_programme,
    ),
}
# --- end intervention ---------------------------------------------------------------------


# Supervision (tests/access_matrix/supervision.py) ------------------------------------------


async def scratch_case_id_anywhere(scratch: Scratch, op: Operation) -> IdChoice:
    """The operation's scratch case, known to supervision first when it is supervision's."""
    choice = await scratch_case_id(scratch, op)
    if op.unit is SUPERVISION:
        await supervision.project(scratch.stack, choice.value)
        return IdChoice(choice.value, supervision.CASE_A, choice.label)
    return choice


def team_a(world: World, op: Operation) -> list[IdChoice]:
    """Team A: its directory record, or (in supervision) its managers' views."""
    if op.unit is SUPERVISION:
        return one(directory_id(world, "team"), supervision.TEAM_A_MANAGERS, "team A")
    return one(directory_id(world, "team"), p.DIRECTORY_A, "team A")


async def scratch_team(scratch: Scratch, op: Operation) -> IdChoice:
    if op.unit is SUPERVISION:
        # Supervision never changes a team, only its cadence: team A's, by its manager.
        team = directory_id(scratch.world, "team")
        return IdChoice(team, supervision.TEAM_A_MANAGERS, "team A")
    return await scratch_team_id(scratch, op)


async def scratch_meeting_id(scratch: Scratch, op: Operation) -> IdChoice:
    """A meeting on the operation's scratch case, afresh for every request (they move, are
    cancelled, finalised): held already when the write needs it, its record final for an
    amendment."""
    case = (await scratch.case()).case_id
    held = op.key in supervision.HELD or op.key in supervision.FINAL
    meeting = await supervision.book(scratch.stack, case, held=held)
    if op.key in supervision.FINAL:
        await supervision.finalise(scratch.stack, meeting, case)
    return IdChoice(meeting, supervision.CASE_A, "scratch meeting")


async def scratch_action_id(scratch: Scratch, op: Operation) -> IdChoice:
    final = op.key in supervision.FINAL
    action = await supervision.action(scratch.stack, (await scratch.case()).case_id, final=final)
    return IdChoice(action, supervision.CASE_A, "scratch action")


async def scratch_decision_id(scratch: Scratch, op: Operation) -> IdChoice:
    decision = await supervision.decision(scratch.stack, (await scratch.case()).case_id)
    return IdChoice(decision, supervision.CASE_A, "scratch decision of a final record")


async def scratch_proposal_id(scratch: Scratch, op: Operation) -> IdChoice:
    proposal = await supervision.proposal(scratch.stack)
    return IdChoice(proposal, supervision.TEAM_A_MANAGERS, "scratch proposal of team A")


async def scratch_slot_id(scratch: Scratch, op: Operation) -> IdChoice:
    slot = await supervision.slot(scratch.stack)
    return IdChoice(slot, supervision.TEAM_A_MANAGERS, "scratch slot of team A")


async def scratch_absence_id(scratch: Scratch, op: Operation) -> IdChoice:
    absence = await supervision.absence(scratch.stack)
    return IdChoice(absence, supervision.ABSENCE_AUDIENCE, "the social worker's absence")


async def no_writes(scratch: Scratch, op: Operation) -> IdChoice:
    raise BuildError(f"{op.label}: the matrix has no record to write for this parameter")


# --- pathway (pathway_api) ----------------------------------------------------------------
# Its routes run on early help cases: family A's for reads, and for writes a scratch one
# driven (as its lead) to the stage the write needs; writes that use their case up get one each.
PATHWAY_STAGES: dict[str, str] = {
    "POST /pathway/cases/{case_id}/consents/{consent_id}/withdraw": "consent",
    "POST /pathway/cases/{case_id}/team/contacts": "consent",
    "POST /pathway/cases/{case_id}/team/contacts/{contact_id}/end": "consent",
    "POST /pathway/cases/{case_id}/assessments": "assessment",
    "POST /pathway/cases/{case_id}/safety-mappings": "consent",
    "POST /pathway/cases/{case_id}/plan/targets": "plan",
    "POST /pathway/cases/{case_id}/reviews": "do",
}
PATHWAY_USED_UP = frozenset(
    {
        "POST /pathway/cases/{case_id}/involvement/transitions",
        "POST /pathway/cases/{case_id}/involvement/close",
        # One transfer under way per case.
        "POST /pathway/cases/{case_id}/transfers",
    }
)


def is_pathway(op: Operation) -> bool:
    return op.unit.name == "pathway"


def case_ids(world: World, op: Operation) -> list[IdChoice]:
    if is_pathway(op):
        return one(world.early_help_a, p.EARLY_HELP_A, "family A's early help case")
    return one(world.case_a, p.CASE_A, "case A")


async def any_case_id(scratch: Scratch, op: Operation) -> IdChoice:
    if not is_pathway(op):
        return await scratch_case_id(scratch, op)
    stage = PATHWAY_STAGES.get(op.key, "identified")
    case = await scratch.early_help(stage, fresh=op.key in PATHWAY_USED_UP)
    return IdChoice(case.case_id, p.EARLY_HELP_A, f"scratch early help case ({stage})")


async def scratch_consent_id(scratch: Scratch, op: Operation) -> IdChoice:
    stage = PATHWAY_STAGES.get(op.key, "identified")
    return IdChoice(await scratch.early_help_consent(stage), p.EARLY_HELP_A, "scratch consent")


async def scratch_contact_id(scratch: Scratch, op: Operation) -> IdChoice:
    stage = PATHWAY_STAGES.get(op.key, "consent")
    return IdChoice(await scratch.early_help_contact(stage), p.EARLY_HELP_A, "scratch contact")


async def scratch_transfer_id(scratch: Scratch, op: Operation) -> IdChoice:
    # Accepting uses a transfer up: each request gets one of its own.
    fresh = op.key == "POST /pathway/transfers/{transfer_id}/accept"
    return IdChoice(await scratch.step_up(fresh=fresh), p.EARLY_HELP_A, "scratch step up")


async def scratch_claim_id(scratch: Scratch, op: Operation) -> IdChoice:
    # Each request decides or assures a claim of its own (both use it up).
    if op.key in claims.SAMPLED_WRITES:
        claim = await scratch.claim(sampled=True)
        return IdChoice(claim, claims.SAMPLED_CLAIM_A, "scratch claim drawn for audit")
    return IdChoice(await scratch.claim(sampled=False), claims.CLAIM_A, "scratch claim")


async def scratch_batch_id(scratch: Scratch, op: Operation) -> IdChoice:
    # A batch of its own per request: a draw, or a submission, uses it up.
    submittable = op.path.endswith("/submit")
    batch = await scratch.claim_batch(submittable=submittable)
    return IdChoice(batch, claims.BATCH, "scratch claim batch")


def claim_batch_ids(world: World, op: Operation) -> list[IdChoice]:
    audience = claims.SAMPLE if op.path.endswith("/sample") else claims.BATCH
    return one(world.claim_batch_a, audience, "the batch of family A's claim")


async def first_configuration(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice("1", p.CONFIGURATION, "configuration version 1")


async def outcomes_framework(scratch: Scratch, op: Operation) -> IdChoice:
    return IdChoice("family_safeguarding", p.CONFIGURATION, "the Family Safeguarding framework")


PATH_IDS: dict[str, IdSource] = {
    **INTERVENTION_IDS,
    "user_id": IdSource(read=scim_ids, write=scim_id),
    "group_id": IdSource(read=scim_ids, write=scim_id),
    "name": IdSource(read=scim_ids, write=scim_id),
    "schema_id": IdSource(read=scim_ids, write=scim_id),
    "case_id": IdSource(read=case_a_ids, write=case_id_for),
    "entry_id": IdSource(read=entry_ids, write=scratch_entry_id),
    "summary_id": IdSource(read=summary_ids, write=scratch_summary_id),
    "number": IdSource(
        read=lambda w, op: one("1", p.EVERYONE, "episode 1"),
        write=first_episode,
        missing=lambda: "99999",
    ),
    "allocation_id": IdSource(
        read=lambda w, op: one(w.allocation_a, p.CASE_A, "social worker's allocation"),
        write=scratch_allocation_id,
    ),
    "grant_id": IdSource(
        read=lambda w, op: one(w.grant_a, p.CASE_A, "break-glass grant"), write=scratch_grant_id
    ),
    "family_id": IdSource(
        read=lambda w, op: one(w.family_a, p.CASE_A, "family A"), write=scratch_family_id
    ),
    "person_id": IdSource(
        read=lambda w, op: one(w.child_a, p.CASE_A, "child of family A"), write=scratch_person_id
    ),
    "relationship_id": IdSource(
        read=lambda w, op: one(w.relationship_a, p.CASE_A, "relationship in family A"),
        write=scratch_relationship_id,
    ),
    "team_id": IdSource(read=team_a, write=scratch_team),
    "practitioner_id": IdSource(
        read=lambda w, op: one(
            directory_id(w, "practitioner"), p.DIRECTORY_A, "team A social worker"
        ),
        write=scratch_practitioner_id,
    ),
    "subscription_id": IdSource(
        read=lambda w, op: one(w.subscriptions[op.unit.name], p.WEBHOOKS, "subscription"),
        write=scratch_subscription_id,
    ),
    "delivery_id": IdSource(
        read=lambda w, op: one(w.deliveries[op.unit.name], p.WEBHOOKS, "delivery"),
        write=scratch_delivery_id,
        missing=lambda: "987654321",
    ),
    "system": IdSource(
        read=lambda w, op: one(SYSTEM, p.EVERYONE, SYSTEM), write=mosaic, missing=lambda: SYSTEM
    ),
    "external_id": IdSource(
        read=world_key, write=new_key, missing=lambda: f"MTX{uuid.uuid4().hex[:16]}"
    ),
    "review_id": IdSource(
        read=lambda w, op: one(w.review_a, p.REVIEW_A, "review of family A"),
        write=scratch_review_id,
    ),
    "import_id": IdSource(
        read=lambda w, op: one(w.import_a, p.IMPORTERS, "a dry-run import"),
        write=scratch_import_id,
    ),
    "assessment_id": IdSource(
        read=lambda w, op: one(w.assessment_a, p.ASSESSMENT_A, "signed-off assessment of A"),
        write=scratch_assessment_id,
    ),
    # --- pathway ---
    "consent_id": IdSource(
        read=lambda w, op: one(w.consent_a, p.EARLY_HELP_A, "consent on family A's early help"),
        write=scratch_consent_id,
    ),
    "contact_id": IdSource(
        read=lambda w, op: one(w.contact_a, p.EARLY_HELP_A, "TAF contact of family A"),
        write=scratch_contact_id,
    ),
    "transfer_id": IdSource(
        read=lambda w, op: one(w.transfer_a, p.EARLY_HELP_A, "step up of family A to team A"),
        write=scratch_transfer_id,
    ),
    # The outcomes frameworks: configuration everyone reads; writes publish the second one.
    "framework": IdSource(
        read=lambda w, op: one("norfolk", p.CONFIGURATION, "the county's framework"),
        write=outcomes_framework,
        missing=lambda: "elsewhere",
    ),
    "version": IdSource(
        read=lambda w, op: one("1", p.CONFIGURATION, "configuration version 1"),
        write=first_configuration,
        missing=lambda: "999999",
    ),
    # --- claims ---
    "claim_id": IdSource(
        read=lambda w, op: one(w.claim_a, claims.SAMPLED_CLAIM_A, "claim drawn for audit"),
        write=scratch_claim_id,
    ),
    "batch_id": IdSource(read=claim_batch_ids, write=scratch_batch_id),
    # --- DPO tools: legal holds are the DPO's alone (placed on the case by the DPO).
    "hold_id": IdSource(read=lambda w, op: [], write=scratch_hold_id),
    "classification_id": IdSource(read=lambda w, op: [], write=scratch_classification_id),
    # Subject access: the DPO's alone; the world's request and its bundled export for reads.
    "sar_id": IdSource(
        read=lambda w, op: one(w.subject_access["sar_id"], p.DPO_ONLY, "request about A"),
        write=scratch_sar_id,
    ),
    "export_id": IdSource(
        read=lambda w, op: one(w.subject_access["export_id"], p.DPO_ONLY, "bundled export"),
        write=scratch_export_id,
    ),
    "redaction_id": IdSource(read=lambda w, op: [], write=scratch_redaction_id),
    "membership_id": IdSource(
        read=lambda w, op: one(
            directory_id(w, "membership"), p.DIRECTORY_A, "social worker's membership"
        ),
        write=scratch_membership_id,
    ),
    # Supervision.
    "meeting_id": IdSource(
        read=lambda w, op: one(w.supervision_meeting_a, supervision.CASE_A, "case A's meeting"),
        write=scratch_meeting_id,
    ),
    "action_id": IdSource(
        read=lambda w, op: one(w.supervision_action_a, supervision.CASE_A, "case A's action"),
        write=scratch_action_id,
    ),
    "proposal_id": IdSource(
        read=lambda w, op: one(
            w.supervision_proposal_a, supervision.TEAM_A_MANAGERS, "team A's proposal"
        ),
        write=scratch_proposal_id,
    ),
    # Decisions are only ever amended through their ids (reads go through the record).
    "decision_id": IdSource(read=lambda w, op: [], write=scratch_decision_id),
    # Slots and absences are only ever deleted through their ids.
    "slot_id": IdSource(read=lambda w, op: [], write=scratch_slot_id),
    "absence_id": IdSource(read=lambda w, op: [], write=scratch_absence_id),
    supervision.CAPABILITY_PATH_PARAMETER: IdSource(
        read=lambda w, op: one(w.supervision_feed, p.EVERYONE, "the social worker's feed"),
        write=no_writes,
        missing=lambda: "A" * 43,
    ),
}
