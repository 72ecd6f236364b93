"""Valid requests built from an operation's schemas, with values the fixture provides.

A write must be refused by the access rule, not by validation (a 422 for an outsider proves
nothing), so every body is valid: required members are generated from their JSON schema,
except where the fixture knows better (ids, codes, identifiers), and optional members are sent
only when the fixture has a value for them. When a value cannot be built (an id the fixture
does not know, a pattern no generated text matches) the build fails, naming the member.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pathway_api.configuration.defaults import DEFAULT_CONFIGURATION
from pathway_api.outcomes.defaults import DEFAULT_SETTINGS, FAMILY_SAFEGUARDING
from tests.access_matrix import early_help, subject_access, supervision
from tests.access_matrix import personas as p
from tests.access_matrix.interventions import MODULES, catalogue
from tests.access_matrix.operations import Operation
from tests.access_matrix.scratch import NARRATIVE, Scratch
from tests.access_matrix.world import PROBE_EVENT_TYPE, PROBE_TARGET, World
from tests.workbook.factories import random_nhs_number, random_upn
from workbook_api.disciplines.config import SESSION_ENTRY_TYPE


class BuildError(Exception):
    """The fixture cannot build a valid request for an operation; the message says what."""


@dataclass(frozen=True)
class Fill:
    """What a value may be drawn from: the world, and the operation's scratch records."""

    op: Operation
    world: World
    scratch: Scratch


Value = Callable[[Fill, dict[str, Any]], Awaitable[Any]]
_serials = itertools.count(1)


def serial() -> int:
    """A number no other generated value in this run carries."""
    return next(_serials)


async def team_a(fill: Fill, siblings: dict[str, Any]) -> Any:
    return str(fill.world.team(p.TEAM_A))


async def team_b(fill: Fill, siblings: dict[str, Any]) -> Any:
    return str(fill.world.team(p.TEAM_B))


async def family_without_case(fill: Fill, siblings: dict[str, Any]) -> Any:
    return (await fill.scratch.family())[0]


async def bystander_practitioner(fill: Fill, siblings: dict[str, Any]) -> Any:
    # Allocating someone who is none of the personas changes nobody's access; the workbook
    # allocates only practitioners the directory has announced.
    return await fill.scratch.bystander()


async def discipline(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "family_support_worker"


async def entry_type(fill: Fill, siblings: dict[str, Any]) -> Any:
    codes = [t.code for t in fill.world.config.entry_types if t.code != SESSION_ENTRY_TYPE]
    return codes[0]


async def parent_ids(fill: Fill, siblings: dict[str, Any]) -> Any:
    return [(await fill.scratch.case()).parent_id]


async def parent_id(fill: Fill, siblings: dict[str, Any]) -> Any:
    return (await fill.scratch.case()).parent_id


async def new_member_id(fill: Fill, siblings: dict[str, Any]) -> Any:
    # A fresh member each time: the same relationship twice is a 409.
    return await fill.scratch.member()


async def identifier_value(fill: Fill, siblings: dict[str, Any]) -> Any:
    system = siblings.get("system")
    if system == "nhs_number":
        return random_nhs_number()
    if system == "upn":
        return random_upn()
    return f"MTX-{uuid.uuid4().hex[:20]}"


async def narrative(fill: Fill, siblings: dict[str, Any]) -> Any:
    return NARRATIVE


async def unique_name(fill: Fill, siblings: dict[str, Any]) -> Any:
    return f"Scratch name {uuid.uuid4().hex[:12]}"


async def loopback_target(fill: Fill, siblings: dict[str, Any]) -> Any:
    return PROBE_TARGET


async def probe_event_types(fill: Fill, siblings: dict[str, Any]) -> Any:
    # A type no unit publishes but the matrix's own probe (world.py), so nothing else is sent.
    return [PROBE_EVENT_TYPE]


async def push_operations(fill: Fill, siblings: dict[str, Any]) -> Any:
    case = await fill.scratch.case()
    entry = {
        "entry_type": await entry_type(fill, siblings),
        "event_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "narrative": NARRATIVE,
    }
    return [
        {
            "op": "create_entry",
            "op_id": str(uuid.uuid4()),
            "case_id": case.case_id,
            "entry_id": str(uuid.uuid4()),
            "entry": entry,
        }
    ]


async def keyed_family(fill: Fill, siblings: dict[str, Any]) -> Any:
    # The operation's family as the system of record knows it.
    return await fill.scratch.family_key()


async def new_keyed_family(fill: Fill, siblings: dict[str, Any]) -> Any:
    # A case is opened once per family: each request gets a family of its own.
    return await fill.scratch.family_key(fresh=True)


async def keyed_case(fill: Fill, siblings: dict[str, Any]) -> Any:
    return await fill.scratch.case_key()


async def reject(fill: Fill, siblings: dict[str, Any]) -> Any:
    # Linking needs a candidate's id; rejecting needs nothing but a reason.
    return "reject"


# --- intervention (issue 9) -------------------------------------------------------------------
async def world_programme(fill: Fill, siblings: dict[str, Any]) -> Any:
    return fill.world.interventions["programme"]


async def new_person(fill: Fill, siblings: dict[str, Any]) -> Any:
    # A parent not yet enrolled (the same parent twice on one programme is a 409), and a
    # member of the scratch case's family in the workbook (an unknown person is a 422).
    return await fill.scratch.member()


async def allocated_social_worker(fill: Fill, siblings: dict[str, Any]) -> Any:
    # The plan's and the session's worker must be allocated to the case; the default (the
    # caller) is not, for a manager.
    return str(fill.scratch.stack.principals[p.SOCIAL_WORKER].practitioner_id)


async def planned_modules(fill: Fill, siblings: dict[str, Any]) -> Any:
    return [{"module_code": MODULES[0]}]


async def planned_module(fill: Fill, siblings: dict[str, Any]) -> Any:
    return MODULES[0]


async def engagement(fill: Fill, siblings: dict[str, Any]) -> Any:
    return 3


async def matrix_catalogue(fill: Fill) -> RawBody:
    return RawBody("application/yaml", catalogue(f"matrix_{uuid.uuid4().hex[:12]}"))


INTERVENTION_VALUES: dict[str, Value] = {
    "EnrolmentCreate.programme_id": world_programme,
    "EnrolmentCreate.person_id": new_person,
    "EnrolmentCreate.lead_worker_id": allocated_social_worker,
    "EnrolmentCreate.plan": planned_modules,
    "ProgressUpdate.module_code": planned_module,
    "PlanUpdate.plan": planned_modules,
    "SessionCreate.worker_id": allocated_social_worker,
    "SessionCreate.engagement": engagement,
}
# --- end intervention ---------------------------------------------------------------------


async def scratch_case(fill: Fill, siblings: dict[str, Any]) -> Any:
    return (await fill.scratch.case()).case_id


async def section_changes(fill: Fill, siblings: dict[str, Any]) -> Any:
    # Sections are keyed by the assessment's own section keys (here the default ones).
    return {"stability": {"analysis": "Changed by the access matrix."}}


# --- pathway (pathway_api) ----------------------------------------------------------------
# Dates the rules bound (today, or a due date to come), codes of the configuration in force,
# and a review's progress on the scratch case's one target.


async def today(fill: Fill, siblings: dict[str, Any]) -> Any:
    return early_help.today()


async def in_a_month(fill: Fill, siblings: dict[str, Any]) -> Any:
    return early_help.in_a_month()


async def first_stage(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "consent"


async def step_up(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "step_up"


async def identified_area(fill: Fill, siblings: dict[str, Any]) -> Any:
    return early_help.AREA


async def identified_areas(fill: Fill, siblings: dict[str, Any]) -> Any:
    return [early_help.AREA]


async def early_help_level(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "early_help"


async def early_help_indicators(fill: Fill, siblings: dict[str, Any]) -> Any:
    return ["emerging_need"]


async def family_member(fill: Fill, siblings: dict[str, Any]) -> Any:
    # A member of the family of the scratch early help case the consent is given on.
    return (await fill.scratch.early_help("identified")).person_id


async def progress_on_target(fill: Fill, siblings: dict[str, Any]) -> Any:
    case = await fill.scratch.early_help("do")
    return [{"target_id": case.target_id, "progress": "on_track"}]


def default_configuration(member: str) -> Value:
    async def value(fill: Fill, siblings: dict[str, Any]) -> Any:
        return DEFAULT_CONFIGURATION[member]

    return value


def constant(given: Any) -> Value:
    async def value(fill: Fill, siblings: dict[str, Any]) -> Any:
        return given

    return value


def outcomes_framework(member: str) -> Value:
    async def value(fill: Fill, siblings: dict[str, Any]) -> Any:
        return FAMILY_SAFEGUARDING[member]

    return value


def outcomes_settings(member: str) -> Value:
    async def value(fill: Fill, siblings: dict[str, Any]) -> Any:
        return DEFAULT_SETTINGS[member]

    return value


async def family_a_return(fill: Fill, siblings: dict[str, Any]) -> Any:
    # Family A is team A's: its manager's return; anyone else's is refused it.
    return f"family_id,value\n{fill.world.family_a},1\n"


async def this_month(fill: Fill, siblings: dict[str, Any]) -> Any:
    return early_help.today()[:7]


async def matched_dataset(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "exclusions"


async def return_source(fill: Fill, siblings: dict[str, Any]) -> Any:
    return "Access matrix return"


PATHWAY_VALUES: dict[str, Value] = {
    "Transition.to": first_stage,
    "Closure.family_informed_on": today,
    "ConsentCreate.given_on": today,
    "ConsentCreate.person_id": family_member,
    "ConsentWithdraw.withdrawn_on": today,
    "ReviewCreate.held_on": today,
    "TransferMeeting.held_on": today,
    "TransferRequest.direction": step_up,
    "TransferRequest.receiving_team_id": team_a,
    "ReviewCreate.progress": progress_on_target,
    "TargetCreate.area": identified_area,
    "TargetCreate.due_on": in_a_month,
    "AssessmentCreate.areas": identified_areas,
    "LevelDecide.level": early_help_level,
    "LevelDecide.indicators": early_help_indicators,
    # Claims: the national settings (so the scratch families stay ready), an acceptance.
    **{
        f"ClaimSettingsWrite.{member}": constant(value)
        for member, value in (
            ("sustain_months", 6),
            ("sample_percent", 10),
            ("claim_period_months", 3),
            ("funding_model", "payment_by_results"),
        )
    },
    "AuditDecisionCreate.decision": constant("accepted"),
    **{
        f"ConfigurationWrite.{member}": default_configuration(member)
        for member in ("levels", "headline_areas", "eligibility", "review_interval_working_days")
    },
    **{f"FrameworkWrite.{m}": outcomes_framework(m) for m in ("name", "outcomes", "measures")},
    **{f"SettingsWrite.{m}": outcomes_settings(m) for m in ("minimum_cell_count", "localities")},
    "ImportCreate.csv": family_a_return,
    "ImportCreate.period": this_month,
    "ImportCreate.dataset": matched_dataset,
    "ImportCreate.source": return_source,
}


async def scratch_parent(fill: Fill, siblings: dict[str, Any]) -> Any:
    return (await fill.scratch.case()).parent_id


def redaction_member(member: str) -> Value:
    async def value(fill: Fill, siblings: dict[str, Any]) -> Any:
        # A mark on the export the path names (ids.py made it, with its first record).
        return subject_access.redaction_body(fill.scratch.subject_access["item"])[member]

    return value


async def scratch_child(fill: Fill, siblings: dict[str, Any]) -> Any:
    # The child of the scratch case's family (the path names that case).
    return (await fill.scratch.case()).child_id


RETENTION_VALUES: dict[str, Value] = {
    # The scratch child has no birth date recorded: the looked-after rule would need one.
    "ClassificationCreate.kind": constant("adoption"),
    "ClassificationCreate.person_id": scratch_child,
    "ClassificationCreate.effective_on": today,
}
SUBJECT_ACCESS_VALUES: dict[str, Value] = {
    "SarCreate.person_id": scratch_parent,
    "SarCreate.received_on": today,
    "DisclosureCreate.disclosed_on": today,
    **{
        f"RedactionAdd.{member}": redaction_member(member)
        for member in ("item_id", "section", "start", "end")
    },
}


# Values by "Schema.member" or by member name alone; the first match wins.
BODY_VALUES: dict[str, Value] = {
    "owning_team_id": team_a,
    "CaseCreate.family_id": family_without_case,
    "AllocationCreate.practitioner_id": bystander_practitioner,
    "discipline": discipline,
    "entry_type": entry_type,
    "person_ids": parent_ids,
    "RelationshipCreate.person_id": parent_id,
    "RelationshipCreate.related_person_id": new_member_id,
    "IdentifierIn.value": identifier_value,
    "MembershipCreate.team_id": team_b,
    "narrative": narrative,
    # A PATCH must change something; these are what they change.
    "TeamUpdate.name": unique_name,
    "PractitionerUpdate.display_name": unique_name,
    "SubscriptionUpdate.description": unique_name,
    "SubscriptionCreate.url": loopback_target,
    "event_types": probe_event_types,
    "PushBatch.operations": push_operations,
    "PersonRecord.family_external_id": keyed_family,
    "CaseRecord.family_external_id": new_keyed_family,
    "AllocationRecord.case_external_id": keyed_case,
    "AllocationRecord.practitioner_id": bystander_practitioner,
    "MatchReviewDecision.decision": reject,
    **INTERVENTION_VALUES,
    # Intervention: parenting assessments.
    "AssessmentCreate.case_id": scratch_case,
    "AssessmentUpdate.sections": section_changes,
    # Supervision (tests/access_matrix/supervision.py).
    **supervision.body_values(),
    **PATHWAY_VALUES,
    **SUBJECT_ACCESS_VALUES,
    **RETENTION_VALUES,
}


@dataclass(frozen=True)
class RawBody:
    """A body that is not JSON (an uploaded file), with its media type."""

    media: str
    content: bytes


async def families_extract(fill: Fill) -> RawBody:
    """One team A family in an import's CSV columns, under a fresh key."""
    team = fill.world.team(p.TEAM_A)
    text = f"fami_family_id,family_name,owning_team_id\nMTX{serial()}x{uuid.uuid4().hex[:8]},"
    return RawBody("text/csv", f"{text}Scratch family,{team}\n".encode())


# Operations whose body is a file, by operation key.
RAW_BODIES: dict[str, Callable[[Fill], Awaitable[RawBody]]] = {
    "POST /workbook/imports": families_extract,
    "POST /interventions/programmes": matrix_catalogue,
}
# Query strings writes need (required parameters), by operation key.
WRITE_QUERIES: dict[str, dict[str, str]] = {
    "POST /workbook/imports": {"kind": "families", "system": "mosaic", "dry_run": "true"},
}


def write_query(op: Operation) -> dict[str, str]:
    """The query string a write is sent with; a required parameter not listed is a failure."""
    query = WRITE_QUERIES.get(op.key, {})
    for param in op.parameters("query"):
        if param.get("required") and param["name"] not in query:
            raise BuildError(
                f"{op.label}: required query parameter {param['name']!r}; teach WRITE_QUERIES"
            )
    return dict(query)


# Header parameters the matrix can fill; required ones it cannot are a build failure.
HEADER_VALUES: dict[str, Callable[[], str]] = {
    "x-access-purpose": lambda: "direct_work",
    # Any current version: the write is then refused by the access rule, if at all.
    "if-match": lambda: "*",
    "idempotency-key": lambda: uuid.uuid4().hex,
}


def _value_for(schema_name: str | None, member: str) -> Value | None:
    if schema_name is not None and f"{schema_name}.{member}" in BODY_VALUES:
        return BODY_VALUES[f"{schema_name}.{member}"]
    return BODY_VALUES.get(member)


async def build_body(op: Operation, fill: Fill) -> Any:
    """A valid JSON body for the operation (a RawBody for a file), or None if it takes none."""
    if op.raw_body_media() is not None:
        if op.key not in RAW_BODIES:
            raise BuildError(f"{op.label}: a file body the fixture cannot build; teach RAW_BODIES")
        return await RAW_BODIES[op.key](fill)
    schema = op.body_schema()
    if schema is None:
        return None
    return await _build(op, fill, schema, "body", None)


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


async def _build(
    op: Operation, fill: Fill, node: dict[str, Any], where: str, name: str | None
) -> Any:
    name = _ref_name(node) or name
    node = op.resolve(node)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        usable = [o for o in options if op.resolve(o).get("type") != "null"]
        if not usable:
            return None
        return await _build(op, fill, usable[0], where, name)
    if "allOf" in node:
        if len(node["allOf"]) != 1:
            raise BuildError(f"{op.label}: {where}: allOf with several schemas")
        return await _build(op, fill, node["allOf"][0], where, name)
    if node.get("type") == "object" or "properties" in node:
        return await _build_object(op, fill, node, where, name)
    return generate(op, node, where)


async def _build_object(
    op: Operation, fill: Fill, node: dict[str, Any], where: str, name: str | None
) -> dict[str, Any]:
    required = set(node.get("required", []))
    built: dict[str, Any] = {}
    for member, member_schema in node.get("properties", {}).items():
        value = _value_for(name, member)
        if value is not None:
            built[member] = await value(fill, built)
        elif member in required:
            built[member] = await _build(op, fill, member_schema, f"{where}.{member}", None)
    return built


def generate(op: Operation, node: dict[str, Any], where: str) -> Any:
    """A value for a schema with no fixture value: the simplest one the schema accepts."""
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "string":
        return _string(op, node, where)
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0) + 1)
        high = node.get("maximum", low)
        return min(max(low, 1), high) if kind == "integer" else float(min(max(low, 1), high))
    if kind == "boolean":
        return False
    if kind == "array":
        count = node.get("minItems", 0)
        return [generate(op, op.resolve(node.get("items", {})), f"{where}[]") for _ in range(count)]
    if kind == "null":
        return None
    raise BuildError(f"{op.label}: {where}: no value for a schema of type {kind!r}")


def _string(op: Operation, node: dict[str, Any], where: str) -> str:
    fmt = node.get("format")
    if fmt == "uuid":
        raise BuildError(
            f"{op.label}: {where} is an id the fixture cannot supply; teach BODY_VALUES"
        )
    if fmt == "date-time":
        return (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    if fmt == "date":
        return datetime.now(UTC).date().isoformat()
    if fmt == "email":
        return f"matrix{serial()}@example.org"
    low, high = node.get("minLength", 0), node.get("maxLength", 10_000)
    pattern = node.get("pattern")
    n = serial()
    member = where.rsplit(".", 1)[-1]
    for candidate in (
        f"Matrix probe {n} for {member}, written by the access matrix test.",
        f"matrix_probe_{n}",
    ):
        text = candidate[:high].ljust(low, "x")
        if pattern is None or re.search(pattern, text):
            return text
    raise BuildError(
        f"{op.label}: {where} must match {pattern!r}; teach BODY_VALUES a value for it"
    )


def headers_for(op: Operation) -> dict[str, str]:
    """Header parameters the operation declares and the matrix can fill."""
    headers: dict[str, str] = {}
    if not op.is_read:
        # Updates require If-Match; not every document declares it yet.
        headers["If-Match"] = "*"
    for param in op.parameters("header"):
        name = param["name"].lower()
        if name in HEADER_VALUES:
            headers[param["name"]] = HEADER_VALUES[name]()
        elif param.get("required"):
            raise BuildError(f"{op.label}: required header {param['name']} has no value")
    return headers
