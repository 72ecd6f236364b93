"""What each persona may get from each operation, as data.

Operations are named by method and path template. Most expectations follow from audiences
alone: a GET on a record is allowed to its audience and, to anyone else, answers exactly as the
same operation on an id that does not exist (a 403 or 404; never 2xx, never a 409 or 422 that
tells the record is there). What audiences cannot say is listed here: who must succeed at each
write, and which collection reads a role gates. An operation not listed is still replayed by
everyone: outsiders must be refused as above, break-glass holders, auditors and anonymous callers
must never write, and somebody must get a 2xx from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from services.registry import BACKENDS
from tests.access_matrix import claims, subject_access, supervision
from tests.access_matrix import personas as p
from tests.access_matrix.operations import Operation

ALLOCATED = frozenset(p.ALLOCATED_ON_CASE_A)
# The system of record changes families and manages cases as their managers do (it is their
# source); it never records in a workbook.
FAMILY_RECORDERS = frozenset({p.SOCIAL_WORKER, p.TEAM_MANAGER, p.SYSTEM_OF_RECORD})
CASE_MANAGER = frozenset({p.TEAM_MANAGER})
CASE_MANAGERS_AND_SYSTEM = CASE_MANAGER | {p.SYSTEM_OF_RECORD}
ADMINISTRATORS = frozenset({p.ADMINISTRATOR})
DIRECTORY_READERS = ADMINISTRATORS | p.MANAGERS

# Who must get a 2xx from each write; everyone else in sight of the record must be refused.
# The authors named here are the ones the fixture records with (ids.py): the social worker
# writes drafts, the specialist writes final entries and summaries.
WRITERS: dict[str, frozenset[str]] = {
    # Break-glass is open to every practitioner by design (access/break_glass.py).
    "POST /workbook/cases/{case_id}/break-glass": p.PRACTITIONERS,
    "POST /workbook/cases/{case_id}/break-glass/{grant_id}/revoke": CASE_MANAGER,
    # Families are registered by social workers and managers for their own team (A), and by
    # the system of record for any.
    "POST /workbook/families": frozenset(
        {p.SOCIAL_WORKER, p.TEAM_MANAGER, p.UNALLOCATED, p.SYSTEM_OF_RECORD}
    ),
    "PATCH /workbook/families/{family_id}": FAMILY_RECORDERS,
    "POST /workbook/families/{family_id}/members": FAMILY_RECORDERS,
    "PATCH /workbook/families/{family_id}/members/{person_id}": FAMILY_RECORDERS,
    "POST /workbook/families/{family_id}/members/{person_id}/identifiers": FAMILY_RECORDERS,
    "POST /workbook/families/{family_id}/relationships": FAMILY_RECORDERS,
    "PATCH /workbook/families/{family_id}/relationships/{relationship_id}": FAMILY_RECORDERS,
    "POST /workbook/cases": CASE_MANAGERS_AND_SYSTEM,
    "POST /workbook/cases/{case_id}/close": CASE_MANAGERS_AND_SYSTEM,
    "POST /workbook/cases/{case_id}/reopen": CASE_MANAGERS_AND_SYSTEM,
    "POST /workbook/cases/{case_id}/allocations": CASE_MANAGERS_AND_SYSTEM,
    "POST /workbook/cases/{case_id}/allocations/{allocation_id}/end": CASE_MANAGERS_AND_SYSTEM,
    "POST /workbook/cases/{case_id}/entries": ALLOCATED | CASE_MANAGER,
    "PATCH /workbook/cases/{case_id}/entries/{entry_id}": frozenset({p.SOCIAL_WORKER}),
    "POST /workbook/cases/{case_id}/entries/{entry_id}/finalise": frozenset({p.SOCIAL_WORKER}),
    "POST /workbook/cases/{case_id}/entries/{entry_id}/amendments": frozenset(
        {p.SPECIALIST, p.TEAM_MANAGER}
    ),
    "POST /workbook/cases/{case_id}/entries/{entry_id}/withdraw": frozenset(
        {p.SPECIALIST, p.TEAM_MANAGER}
    ),
    # Session logs: disciplines the recording configuration gives a session log.
    "POST /workbook/cases/{case_id}/sessions": frozenset(
        {p.SPECIALIST, p.SPECIALIST_COLLEAGUE, p.OTHER_DISCIPLINE}
    ),
    "POST /workbook/cases/{case_id}/episodes/{number}/summaries": ALLOCATED,
    "PATCH /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}": frozenset(
        {p.SOCIAL_WORKER}
    ),
    "POST /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}/finalise": frozenset(
        {p.SOCIAL_WORKER}
    ),
    "POST /workbook/cases/{case_id}/episodes/{number}/summaries/{summary_id}/amendments": frozenset(
        {p.SPECIALIST, p.TEAM_MANAGER}
    ),
    # The system of record's own doors: records by its keys, and imports.
    "PUT /workbook/families/by-external-id/{system}/{external_id}": p.SYSTEM_ONLY,
    "PUT /workbook/people/by-external-id/{system}/{external_id}": p.SYSTEM_ONLY,
    "PUT /workbook/cases/by-external-id/{system}/{external_id}": p.SYSTEM_ONLY,
    "PUT /workbook/allocations/by-external-id/{system}/{external_id}": p.SYSTEM_ONLY,
    "PUT /workbook/families/{family_id}/external-ids/{system}": FAMILY_RECORDERS,
    "PUT /workbook/cases/{case_id}/external-ids/{system}": CASE_MANAGERS_AND_SYSTEM,
    # Only a manager decides a person match; the system of record only sends records.
    "POST /workbook/match-reviews/{review_id}/resolve": CASE_MANAGER,
    "POST /workbook/imports": p.IMPORTERS,
    "POST /workbook/imports/{import_id}/cancel": p.IMPORTERS,
    "POST /directory/teams": ADMINISTRATORS,
    "PATCH /directory/teams/{team_id}": ADMINISTRATORS,
    "POST /directory/practitioners": ADMINISTRATORS,
    "PATCH /directory/practitioners/{practitioner_id}": ADMINISTRATORS,
    "POST /directory/practitioners/{practitioner_id}/deactivate": ADMINISTRATORS,
    "POST /directory/practitioners/{practitioner_id}/activate": ADMINISTRATORS,
    "POST /directory/practitioners/{practitioner_id}/memberships": ADMINISTRATORS,
    "POST /directory/practitioners/{practitioner_id}/memberships/{membership_id}/end": (
        ADMINISTRATORS
    ),
    # A push answers every recording role with a result per operation; whose operations apply
    # (and which are rejected, inside the 200) is tested in tests/workbook/test_sync.py.
    "POST /workbook/sync/push": p.PRACTITIONERS,
    # --- pathway: the practitioners working with the family (its lead and TAF members with
    # accounts: the early help case's allocations) and the team's manager; administrators
    # publish the continuum's configuration.
    "POST /pathway/configuration": ADMINISTRATORS,
    **{
        f"POST /pathway/cases/{{case_id}}/{tail}": ALLOCATED | CASE_MANAGER
        for tail in (
            "levels",
            "involvement/transitions",
            "involvement/close",
            "consents",
            "consents/{consent_id}/withdraw",
            "team/contacts",
            "team/contacts/{contact_id}/end",
            "escalations",
            "assessments",
            "plan/targets",
            "reviews",
            "transfers",
            "safety-mappings",
        )
    },
    "POST /pathway/transfers/{transfer_id}/meeting": ALLOCATED | CASE_MANAGER,
    # Accepted by the receiving team's manager (team A's, in the fixture).
    "POST /pathway/transfers/{transfer_id}/accept": CASE_MANAGER,
}
# Intervention: parenting assessments are written by the case's workers and its manager, and
# decided (returned, signed off) by its manager alone.
_ASSESSMENTS = "/interventions/assessments"
WRITERS.update(
    {
        f"POST {_ASSESSMENTS}": ALLOCATED | CASE_MANAGER,
        f"PATCH {_ASSESSMENTS}/{{assessment_id}}": ALLOCATED | CASE_MANAGER,
        f"POST {_ASSESSMENTS}/{{assessment_id}}/submit": ALLOCATED | CASE_MANAGER,
        f"POST {_ASSESSMENTS}/{{assessment_id}}/return": CASE_MANAGER,
        f"POST {_ASSESSMENTS}/{{assessment_id}}/sign-off": CASE_MANAGER,
        f"POST {_ASSESSMENTS}/{{assessment_id}}/versions": ALLOCATED | CASE_MANAGER,
    }
)
# Every unit behind the gateway offers administrators subscriptions to its own events.
_HOOKS = "/webhooks/subscriptions"
for _unit in BACKENDS:
    _base = f"{_unit.route_prefix}{_HOOKS}"
    WRITERS.update(
        {
            f"POST {_base}": ADMINISTRATORS,
            f"PATCH {_base}/{{subscription_id}}": ADMINISTRATORS,
            f"DELETE {_base}/{{subscription_id}}": ADMINISTRATORS,
            f"POST {_base}/{{subscription_id}}/rotate-secret": ADMINISTRATORS,
            f"POST {_base}/{{subscription_id}}/deliveries/{{delivery_id}}/replay": ADMINISTRATORS,
            f"POST {_base}/{{subscription_id}}/replay-dead": ADMINISTRATORS,
        }
    )

# --- intervention (issue 9) -------------------------------------------------------------------
# Administrators load catalogues; workers allocated to the case and its managers do the work.
_PROGRAMME_WORK = ALLOCATED | CASE_MANAGER
_ENROLMENT = "/interventions/cases/{case_id}/enrolments/{enrolment_id}"
WRITERS.update(
    {
        "POST /interventions/programmes": ADMINISTRATORS,
        "POST /interventions/cases/{case_id}/enrolments": _PROGRAMME_WORK,
        f"POST {_ENROLMENT}/progress": _PROGRAMME_WORK,
        f"POST {_ENROLMENT}/plan": _PROGRAMME_WORK,
        f"POST {_ENROLMENT}/end": _PROGRAMME_WORK,
        f"POST {_ENROLMENT}/sessions": _PROGRAMME_WORK,
        f"POST {_ENROLMENT}/sessions/{{session_id}}/codings": _PROGRAMME_WORK,
        # The specialist logs the scratch sessions; their recorder or a manager withdraws one.
        f"POST {_ENROLMENT}/sessions/{{session_id}}/withdraw": frozenset(
            {p.SPECIALIST, p.TEAM_MANAGER}
        ),
    }
)
# --- end intervention ---------------------------------------------------------------------
# Supervision's writes (tests/access_matrix/supervision.py).
WRITERS.update(supervision.WRITERS)
# Supporting Families claims (tests/access_matrix/claims.py).
WRITERS.update(claims.WRITERS)

# Reads of collections (no record in the path) that a role gates: these personas get a 2xx,
# everyone else a refusal. Collections not listed answer every signed-in caller.
READERS: dict[str, frozenset[str]] = {
    "GET /workbook/cases/break-glass": p.MANAGERS,
    "GET /workbook/match-reviews": p.MANAGERS | p.SYSTEM_ONLY,
    "GET /workbook/imports": p.IMPORTERS,
    "GET /workbook/search": p.AUTHENTICATED - p.NO_CASE_READING,
    "GET /directory/teams": DIRECTORY_READERS,
    "GET /directory/practitioners": DIRECTORY_READERS,
    # Failed sign-ins by address: for the directory's administrators only.
    "GET /directory/token-failures": ADMINISTRATORS,
    # The change feed: every role that reads case records; a device's pull: recording roles.
    "GET /workbook/changes": p.AUTHENTICATED - p.NO_CASE_READING,
    # The other units' change feeds: the same roles (services/change_feed/router.py).
    "GET /supervision/changes": p.AUTHENTICATED - p.NO_CASE_READING,
    "GET /interventions/changes": p.AUTHENTICATED - p.NO_CASE_READING,
    "GET /pathway/changes": p.AUTHENTICATED - p.NO_CASE_READING,
    "GET /workbook/sync/pull": p.PRACTITIONERS,
    **{f"GET {unit.route_prefix}{_HOOKS}": ADMINISTRATORS for unit in BACKENDS},
    # --- intervention (issue 9): MI practice quality is for those who practise and manage.
    "GET /interventions/practice/miti": p.PRACTITIONERS,
    # Assessments: the roles that read case records in intervention (not the system of record).
    f"GET {_ASSESSMENTS}": p.AUTHENTICATED - p.NO_CASE_READING - p.SYSTEM_ONLY,
    **supervision.READERS,
    **claims.READERS,
}
# --- DPO tools (services/access_log/): every unit's access log is read by the data protection
# officer and auditors (auditors get the rows about their own teams' cases, possibly none);
# `/access-log/mine` answers every signed-in caller with their own rows.
# The gateway's merged log and its export, the same readers; `/me/access-log` and its export
# answer every signed-in caller (not listed here) with their own rows.
LOG_READERS = frozenset({p.DPO, p.AUDITOR})
READERS["GET /access-log"] = LOG_READERS
READERS["GET /access-log/export"] = LOG_READERS
for _unit in BACKENDS:
    READERS[f"GET {_unit.route_prefix}/access-log"] = LOG_READERS
# Retention of the workbook's cases: the DPO alone reads the schedule, the due list and holds,
# places and lifts holds, records reviews and classifies cases under the looked-after or
# adoption rule (destruction is an operator command, no endpoint).
READERS.update(
    {
        "GET /workbook/retention/rules": p.DPO_ONLY,
        "GET /workbook/retention/due": p.DPO_ONLY,
        "GET /workbook/retention/holds": p.DPO_ONLY,
        "GET /workbook/retention/certificates": p.DPO_ONLY,
    }
)
WRITERS.update(
    {
        "POST /workbook/retention/cases/{case_id}/holds": p.DPO_ONLY,
        "POST /workbook/retention/holds/{hold_id}/lift": p.DPO_ONLY,
        "POST /workbook/retention/cases/{case_id}/reviews": p.DPO_ONLY,
        "POST /workbook/retention/cases/{case_id}/classifications": p.DPO_ONLY,
        "POST /workbook/retention/classifications/{classification_id}/withdraw": p.DPO_ONLY,
    }
)

# Subject access: the DPO's alone (tests/access_matrix/subject_access.py).
READERS.update(subject_access.READERS)
WRITERS.update(subject_access.WRITERS)

# Markers a persona may read through an operation though outside their audience elsewhere, by
# operation key and persona (the DPO's subject access work).
SIGHT_BEYOND_AUDIENCE: dict[str, dict[str, frozenset[str]]] = {**subject_access.SIGHT}
# --- pathway outcomes (pathway_api/outcomes/): figures and the report are team managers' (their
# teams) and the Supporting Families role's (every team); administrators publish the
# frameworks and settings; a team manager uploads returns for their own teams' families (team
# B's manager is refused family A's line with a 422), the Supporting Families role for any.
READERS.update(
    {
        "GET /pathway/outcomes/figures": p.MANAGERS | {p.SUPPORTING_FAMILIES},
        "GET /pathway/reports/outcomes": p.MANAGERS | {p.SUPPORTING_FAMILIES},
    }
)
WRITERS.update(
    {
        "POST /pathway/outcomes/frameworks/{framework}": ADMINISTRATORS,
        "POST /pathway/outcomes/settings": ADMINISTRATORS,
        "POST /pathway/outcomes/imports": CASE_MANAGER | {p.SUPPORTING_FAMILIES},
    }
)

# Whatever else they may read, these never change anything (a documented exception is listed
# in WRITERS, such as break-glass holders asking for break-glass).
NEVER_WRITE = frozenset({p.BREAK_GLASS, p.AUDITOR, p.DPO, p.ANONYMOUS})

# Wrong answers the matrix finds today, by operation key and persona, each to be removed by
# the change that fixes it (the matrix fails while an entry no longer reproduces). A known
# defect is listed here only while its fix is under way; the list is empty when none is.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


class Outcome(Enum):
    """The class of answer a request must get."""

    ALLOWED = "2xx"
    REFUSED = "401/403/404/409/422"
    AS_IF_MISSING = "403/404 with the same problem type as for an id that does not exist"
    UNAUTHENTICATED = "401"
    UNCHECKED = "anything but 5xx"


REFUSALS = frozenset({401, 403, 404, 409, 422})


@dataclass(frozen=True)
class Expectation:
    """What one persona must get from one request, and why."""

    outcome: Outcome
    reason: str

    def satisfied_by(self, got: tuple[int, str], miss: tuple[int, str] | None) -> bool:
        """Tell whether an answer (status, problem type) is right; `miss` is the answer to the
        same request for an id that does not exist, where that is the measure."""
        status = got[0]
        if status >= 500:
            return False
        if self.outcome is Outcome.ALLOWED:
            return 200 <= status < 300
        if self.outcome is Outcome.REFUSED:
            return status in REFUSALS
        if self.outcome is Outcome.AS_IF_MISSING:
            return status in (403, 404) and got == miss
        if self.outcome is Outcome.UNAUTHENTICATED:
            return status == 401
        return True


# Identity providers provision with a SCIM credential of their own; a practitioner's token
# (or none) reaches nothing there. What the credential reaches is checked by the SCIM
# compliance checker and tests/identity, which run every SCIM operation with it.
SCIM_PREFIX = "/scim/v2/"


def expect(op: Operation, persona: str, audience: p.Audience | None) -> Expectation:
    """What `persona` must get from `op` on a record with `audience` (None: no record)."""
    if op.public_path().startswith(SCIM_PREFIX):
        return Expectation(Outcome.UNAUTHENTICATED, "SCIM takes its own credential, not a token")
    if op.is_capability:
        # Whoever holds the URL may read it; tests/supervision/test_calendar.py tests that a
        # revoked or unknown secret opens nothing.
        return Expectation(Outcome.UNCHECKED, "a capability URL: its secret is its credential")
    writers = WRITERS.get(op.key)
    if op.is_public and op.is_read:
        return Expectation(Outcome.ALLOWED, "public endpoint")
    if op.is_public and writers is None:
        # A public write (a signed webhook, say) decides on its own terms; WRITERS says whose.
        return Expectation(Outcome.UNCHECKED, "public write not described in WRITERS")
    if persona == p.ANONYMOUS and not op.is_public:
        return Expectation(Outcome.UNAUTHENTICATED, "no credentials")
    if not op.is_read and writers is not None and persona in writers:
        return Expectation(Outcome.ALLOWED, "listed writer")
    if audience is not None and persona not in audience:
        return Expectation(Outcome.AS_IF_MISSING, "outside the record's audience")
    if op.is_read:
        if audience is not None:
            return Expectation(Outcome.ALLOWED, "in the record's audience")
        readers = READERS.get(op.key)
        if readers is None:
            return Expectation(Outcome.ALLOWED, "collection open to every signed-in caller")
        if persona in readers:
            return Expectation(Outcome.ALLOWED, "listed reader")
        return Expectation(Outcome.REFUSED, "role does not read this")
    if writers is not None:
        return Expectation(Outcome.REFUSED, "not a listed writer")
    if persona in NEVER_WRITE:
        return Expectation(Outcome.REFUSED, "never writes")
    return Expectation(Outcome.UNCHECKED, "write not described in WRITERS")


def needs_miss(expectation: Expectation) -> bool:
    """Whether judging the answer needs the same request on an id that does not exist."""
    return expectation.outcome is Outcome.AS_IF_MISSING
