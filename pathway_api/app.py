"""The family support pathway service."""

from fastapi import FastAPI

from pathway_api.changes.router import router as changes_router
from pathway_api.claims.ledger.router import router as claims_router
from pathway_api.claims.readiness.router import router as claim_readiness_router
from pathway_api.claims.readiness.sweep import readiness_sweep_hook
from pathway_api.claims.settings.router import router as claim_settings_router
from pathway_api.configuration.router import router as configuration_router
from pathway_api.levels.router import router as levels_router
from pathway_api.lifecycle.router import router as lifecycle_router
from pathway_api.models import kernel, projection
from pathway_api.outcomes.router import router as outcomes_router
from pathway_api.plans.router import router as plans_router
from pathway_api.retention import copies as retention_copies
from pathway_api.subject_access import records_about
from pathway_api.transfers.router import router as transfers_router
from services.app import create_service_app
from services.inbox import Inbox
from services.registry import PATHWAY
from services.settings import KernelSettings
from services.subject_access.router import subject_records_router

TAG_DESCRIPTIONS = {
    "configuration": "The council's continuum of need as versioned configuration: its levels,"
    " their indicators, the Supporting Families headline areas, the eligibility rule and the"
    " review cadence. Administrators publish versions; decisions name the version they used.",
    "levels of need": "Each family's and child's level of need over time: who decided, when, on"
    " which indicators and why, across early help and Family Safeguarding.",
    "early help": "An early help case's lifecycle (identify, consent, assess, plan, do, review,"
    " close) as a state machine, the family's consents, the Team Around the Family, and"
    " escalation to child protection at any point.",
    "step up and step down": "A family's move between early help and Family Safeguarding: the"
    " request with the reason and the picture now, the transfer meeting, and acceptance by the"
    " receiving team, which opens the family's new case; the sending team holds it until then.",
    "plans and reviews": "Whole-family assessments screened for Supporting Families, the Family"
    " Action Plan's SMART targets, reviews on a cadence in working days, and overdue reviews.",
    "supporting families claims": "Supporting Families claims: each closed family's readiness"
    " (every criterion met or what is missing), claims in batches per claim period, a manager's"
    " quality assurance, the audit sample drawn reproducibly by team, the audit's decisions,"
    " and submission. For the Supporting Families team and managers; auditors see the sampled"
    " claims only.",
    "outcomes": "The outcomes frameworks (the county's and Family Safeguarding's measures) as"
    " versioned configuration, data-matching returns, and figures by month, team and locality"
    " as JSON and as a printable report; aggregates only, small counts withheld.",
}


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the pathway service app."""
    return create_service_app(
        unit=PATHWAY,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[
            configuration_router,
            levels_router,
            lifecycle_router,
            plans_router,
            transfers_router,
            changes_router,
            subject_records_router(PATHWAY, records_about),
            # Settings and readiness before the ledger: their /claims/... paths are static.
            claim_settings_router,
            claim_readiness_router,
            claims_router,
            outcomes_router,
        ],
        on_startup=[readiness_sweep_hook()],
        tag_descriptions=TAG_DESCRIPTIONS,
        inbox=retention_copies.register(projection.register(Inbox())),
        title="Family Support Pathway",
        description="Early help on the continuum of need: levels of need, consent, the "
        "plan-do-review lifecycle, Supporting Families screening, step up and step down.",
    )
