"""Supporting Families claims for the matrix: families ready to claim for, and their claims.

A family is ready six months after its early help closed, so the matrix drives a scratch early
help case through its plan to closure as its lead, then moves the dates the pathway recorded
back (tests/pathway/claim_factories.py `age`). Each ready family is moved back by a different
number of days, so that its result falls in a claim period of its own: a claim joins its
period's batch, and batches sampled or submitted by one operation never hold another's claims.
"""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID

from services.registry import PATHWAY
from tests.access_matrix import personas as p
from tests.access_matrix.early_help import drive, pathway_post, today
from tests.access_matrix.stack import Stack
from tests.pathway.claim_factories import SUSTAINED_DAYS, age

# A hundred days apart, each family's result falls in a claim period (a quarter) of its own.
# Claim periods of the matrix's own, years back: the demo's batch (ten months ago) and the
# pathway tests' (tests/pathway/claim_factories.py) lie elsewhere.
_periods = itertools.count(20)

# Who sees a claim: the Supporting Families team and the family's team's manager; auditors
# too, once it is drawn for audit. Batches are the council's: its claims officers and managers.
CLAIM_A = frozenset({p.SUPPORTING_FAMILIES, p.TEAM_MANAGER})
SAMPLED_CLAIM_A = CLAIM_A | {p.AUDITOR}
BATCH = frozenset({p.SUPPORTING_FAMILIES, p.TEAM_MANAGER, p.OTHER_TEAM_MANAGER})
SAMPLE = BATCH | {p.AUDITOR}
CLAIMS_TEAM = BATCH
WRITERS: dict[str, frozenset[str]] = {
    "POST /pathway/claims/settings": frozenset({p.ADMINISTRATOR}),
    "POST /pathway/cases/{case_id}/claims": frozenset({p.SUPPORTING_FAMILIES}),
    "POST /pathway/claims/{claim_id}/quality-assurance": frozenset({p.TEAM_MANAGER}),
    "POST /pathway/claims/{claim_id}/audit-decision": frozenset({p.AUDITOR}),
    "POST /pathway/claims/batches/{batch_id}/sample": frozenset({p.SUPPORTING_FAMILIES}),
    "POST /pathway/claims/batches/{batch_id}/submit": frozenset({p.SUPPORTING_FAMILIES}),
}
READERS: dict[str, frozenset[str]] = {
    "GET /pathway/claims/readiness": CLAIMS_TEAM,
    "GET /pathway/claims/batches": CLAIMS_TEAM,
    "GET /pathway/claims": CLAIMS_TEAM | {p.AUDITOR},
}
SAMPLED_WRITES = frozenset({"POST /pathway/claims/{claim_id}/audit-decision"})


def is_claims(path: str) -> bool:
    return "/claim" in path


async def make_ready(stack: Stack, case_id: str, parent_id: str) -> str:
    """Drive a fresh early help case (its family's parent consenting) through a plan met in
    full to closure, then age it."""
    case = await drive(stack, case_id, parent_id, "do")
    base = f"/cases/{case_id}"
    review = {
        "held_on": today(),
        "outcome": "needs_met",
        "progress": [{"target_id": case.target_id, "progress": "achieved"}],
        "summary": "Scratch review: attendance is above 90%",
    }
    await pathway_post(stack, p.SOCIAL_WORKER, f"{base}/reviews", review)
    closure = {"reason": "Scratch: needs met", "family_informed_on": today()}
    await pathway_post(stack, p.SOCIAL_WORKER, f"{base}/involvement/close", closure)
    engine = stack.apps[PATHWAY.name].state.engine
    await age(engine, UUID(case_id), SUSTAINED_DAYS + 100 * next(_periods))
    return case_id


async def claim(stack: Stack, case_id: str) -> dict[str, Any]:
    result: dict[str, Any] = await pathway_post(
        stack, p.SUPPORTING_FAMILIES, f"/cases/{case_id}/claims", {}
    )
    return result


async def draw(stack: Stack, batch_id: str) -> None:
    await pathway_post(stack, p.SUPPORTING_FAMILIES, f"/claims/batches/{batch_id}/sample", {})


async def sampled_claim(stack: Stack, case_id: str) -> tuple[str, str]:
    """A claim for the ready case, drawn for audit (the only claim of its batch): ids."""
    made = await claim(stack, case_id)
    await draw(stack, made["batch_id"])
    return str(made["id"]), str(made["batch_id"])


async def submittable_batch(stack: Stack, case_id: str) -> str:
    """A batch whose one claim is assured, drawn and accepted: ready to submit."""
    claim_id, batch_id = await sampled_claim(stack, case_id)
    note = {"note": "Scratch: evidence checked"}
    await pathway_post(stack, p.TEAM_MANAGER, f"/claims/{claim_id}/quality-assurance", note)
    decision = {"decision": "accepted"}
    await pathway_post(stack, p.AUDITOR, f"/claims/{claim_id}/audit-decision", decision)
    return batch_id
