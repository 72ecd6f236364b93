"""The Electronic Workbook service."""

from fastapi import FastAPI
from sqlalchemy import Table

from services.access_log.ownership import CaseOwnership
from services.app import create_service_app
from services.registry import WORKBOOK
from services.settings import KernelSettings
from workbook_api.access.openapi import document_break_glass_limits
from workbook_api.access.router import router as access_router
from workbook_api.cases.models import Case
from workbook_api.cases.router import router as cases_router
from workbook_api.changes.router import router as changes_router
from workbook_api.chronology.router import router as chronology_router
from workbook_api.disciplines.dependencies import load_recording_config_on_startup
from workbook_api.disciplines.router import router as disciplines_router
from workbook_api.entries.router import router as entries_router
from workbook_api.external.router import links_router, reviews_router, upserts_router
from workbook_api.families.models import Person
from workbook_api.families.router import router as families_router
from workbook_api.imports.router import router as imports_router
from workbook_api.imports.runner import import_runner_hook
from workbook_api.inbox import workbook_inbox
from workbook_api.models import kernel
from workbook_api.retention.router import router as retention_router
from workbook_api.search.router import router as search_router
from workbook_api.sessions.router import router as sessions_router
from workbook_api.settings import workbook_settings
from workbook_api.subject_access.router.exports import router as subject_access_exports
from workbook_api.subject_access.router.requests import router as subject_access_requests
from workbook_api.subject_access.runner import export_runner_hook
from workbook_api.summaries.router import router as summaries_router
from workbook_api.sync.router import router as sync_router

TAG_DESCRIPTIONS = {
    "families": "Families, their members (children, adults, unborn children), how they relate,"
    " who holds parental responsibility, and the identifiers other systems know them by.",
    "cases": "A family's Family Safeguarding involvement: opened and closed by the team manager,"
    " with the practitioners allocated to it and its workbook episodes (one per group"
    " supervision cycle).",
    "entries": "The shared workbook: each worker records visits and direct work as entries,"
    " drafts first, then final; corrections are amendments with a reason, never edits.",
    "sessions": "Adult specialists' MDT session logs with parents, with each discipline's"
    " configured fields; restricted detail stays with those who may read it.",
    "summaries": "Each worker's role summary per episode, and the episode workbook showing"
    " whose summary is written.",
    "chronology": "The case's significant events in event-time order, as pages or a CSV export.",
    "retention": "Retention of closed cases for the data protection officer: the schedule,"
    " what fell due for review, legal holds and review decisions; destruction is an operator"
    " command, never an endpoint.",
    "subject access": "Subject access requests for the data protection officer: deadlines and"
    " extensions, exports gathered from every unit, redaction of third-party information"
    " reviewed record by record, the disclosure bundle (PDF and JSON) and what was disclosed.",
    "access log": "Who consulted or changed what, when, why and with what outcome.",
    "search": "Full-text search across the records the caller may see.",
    "break-glass": "Time-limited, read-only access to a case the caller is not allocated to,"
    " with a written reason the team manager sees.",
    "disciplines": "The recording configuration (entry types, session-log fields) forms are built"
    " from.",
    "changes": "What changed in the records you may see, in commit order, with tombstones for"
    " what left your sight: for clients that keep a copy (the system of record).",
    "sync": "A practitioner's device: pull its caseload since its cursor, push what was"
    " recorded offline; conflicts come back with both versions, nothing is overwritten.",
    "system of record": "The council's system of record keeps families, people, cases and"
    " allocations in step by its own ids: upserts by external id, links of records made here,"
    " and the review queue of person matches a manager decides.",
    "imports": "Bulk imports of the system of record's extracts (CSV or NDJSON, columns as the"
    " Standard Safeguarding Dataset names them): background jobs with a dry run, progress,"
    " per-row errors and a summary in words.",
}


def cast_table(table: object) -> Table:
    """A mapped class's table (declared with Table columns, so always a Table)."""
    assert isinstance(table, Table)
    return table


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the workbook service app."""
    configured = workbook_settings(settings)
    app = create_service_app(
        unit=WORKBOOK,
        settings=configured,
        kernel=kernel,
        # The access log's auditors read their teams' cases' rows: the record's own cases.
        case_ownership=CaseOwnership(cast_table(Case.__table__), cast_table(Person.__table__)),
        # The break-glass router first: its /cases/break-glass must win over /cases/{case_id}.
        routers=[
            access_router,
            # Before the cases router: /cases/by-external-id/... is not a case id.
            upserts_router,
            links_router,
            reviews_router,
            families_router,
            cases_router,
            entries_router,
            sessions_router,
            summaries_router,
            chronology_router,
            search_router,
            retention_router,
            disciplines_router,
            changes_router,
            sync_router,
            imports_router,
            subject_access_requests,
            subject_access_exports,
        ],
        on_startup=[
            load_recording_config_on_startup,
            import_runner_hook(),
            export_runner_hook(),
        ],
        tag_descriptions=TAG_DESCRIPTIONS,
        inbox=workbook_inbox(),
        title="Electronic Workbook",
        description="Families, cases, shared recording, chronology and MDT session logs.",
    )
    document_break_glass_limits(app, configured)
    return app
