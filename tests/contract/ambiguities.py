"""Refusals of schema-valid requests no document can predict; the fuzz excuses these alone.

A request can match its operation's schema and still be refused for a reason no JSON Schema can
state: the server's state (a cursor it never issued, a key already used with another request),
a record it must find (a family member, a directory team), a rule between two values (an
identifier's format depends on its system; one date after another), the council's configured
vocabulary, or text trimmed before its length is checked. Each is listed here with its reason,
as narrowly as it can be told apart: by problem type, by operation where it belongs to a few, and
for a 422 by where each error points and what was sent there. Only the check that valid data is
accepted (positive_data_acceptance) is ever excused; every other finding fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemathesis.openapi.checks import RejectedPositiveData

from services.errors import PROBLEM_BASE

Error = dict[str, Any]


def _sent(case: Any, location: list[str]) -> Any:
    """What the request sent where an error points (`["body", "members", "0"]`), or None."""
    if not location:
        return None
    where, *path = location
    value: Any = case.body if where == "body" else case.query if where == "query" else None
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _sent_a_cursor(case: Any) -> bool:
    return "cursor" in (case.query or {})


def _always(case: Any) -> bool:
    return True


@dataclass(frozen=True)
class Unpredictable:
    """A refusal, by status and problem type, that the request's schema could not foretell."""

    status: int
    problems: frozenset[str]
    applies: Callable[[Any], bool]
    why: str


UNPREDICTABLE = (
    Unpredictable(
        400,
        frozenset({"invalid-cursor"}),
        _sent_a_cursor,
        "a cursor is opaque: only one the server issued is valid, whatever its shape",
    ),
    Unpredictable(
        422,
        frozenset({"idempotency-key-reused"}),
        _always,
        "the fuzz sent the same Idempotency-Key with another request earlier in the run",
    ),
    Unpredictable(
        422,
        frozenset({"unknown-discipline", "unknown-team"}),
        _always,
        "a code or id must name a directory record that exists and is active",
    ),
    # --- intervention (issue 9)
    Unpredictable(
        422,
        frozenset({"invalid-catalogue"}),
        _always,
        "a catalogue file is YAML text whose layout (a programme of modules) no string schema "
        "states; the README shows it, and each fault is named by line and field",
    ),
)


def _identifier_value(case: Any, error: Error) -> bool:
    # An identifier's `value` (its format set by its `system`), or a field that is one system's
    # identifier: the schema gives their length, but a check digit no JSON Schema can state.
    location = error.get("location") or [""]
    identifier = location[-1] in {"value", "nhs_number", "upn", "local_id"}
    return bool(identifier and error.get("code") == "value_error")


def _a_record_that_is_not_there(case: Any, error: Error) -> bool:
    return error.get("code") in {"member", "unknown_practitioner"}


def _event_time_out_of_range(case: Any, error: Error) -> bool:
    in_range = error.get("code") in {"value_error", "future"}
    location = error.get("location") or []
    return in_range and location[:1] == ["body"] and location[-1:] == ["event_at"]


def _keyed_record_missing(case: Any, error: Error) -> bool:
    return error.get("code") in {"unknown_family", "unknown_case"}


def _start_outside_window(case: Any, error: Error) -> bool:
    return error.get("location") == ["body", "start_from"] and error.get("code") == "start_from"


def _configured_vocabulary(case: Any, error: Error) -> bool:
    location: list[str] = error.get("location") or []
    return location == ["body", "entry_type"] or location[:2] == ["body", "fields"]


def _between_members(case: Any, error: Error) -> bool:
    # Blamed on a whole object that was sent: a rule between its members.
    sent = _sent(case, error.get("location") or [])
    return error.get("code") == "value_error" and isinstance(sent, dict)


def _trimmed(case: Any, error: Error) -> bool:
    sent = _sent(case, error.get("location") or [])
    return isinstance(sent, str) and sent != sent.strip()


def _unconfigured_system(case: Any, error: Error) -> bool:
    location = error.get("location") or []
    return location in (["path", "system"], ["query", "system"]) and error.get("code") == "enum"


def _target_refused(case: Any, error: Error) -> bool:
    return error.get("location") == ["body", "url"] and error.get("code") == "target"


def _assessment_state(case: Any, error: Error) -> bool:
    return error.get("code") in {"unknown_section", "unknown_evidence", "evidence_not_final"}


# Supervision: rules on the records a request names or between its times (supervision_api/
# meetings and records): an agenda's cases must be the team's open cases, each once; a chair a
# member of the team; attendees, decision makers and action owners invited; a meeting ends after
# it starts, within 8 hours; an action falls due on or after its meeting; a window of meetings
# ends after it starts, within a year; an absence within a year, ending after it starts.
SUPERVISION_CODES = frozenset(
    {
        "unknown_case",
        "duplicate",
        "not_team_member",
        "not_invited",
        "ends_before_start",
        "too_long",
        "before_meeting",
        "window",
        "date_time",
        # The team schedule: an absence or a slot ends on or after it starts.
        "day_range",
        "valid_range",
    }
)


def _supervision_rule(case: Any, error: Error) -> bool:
    return error.get("code") in SUPERVISION_CODES


# --- pathway (pathway_api) ----------------------------------------------------------------
_PATHWAY_DAYS = frozenset({"given_on", "withdrawn_on", "family_informed_on", "held_on", "due_on"})


def _day_against_today(case: Any, error: Error) -> bool:
    # Consent given, withdrawn, a family told, a review held: not after today (in England);
    # a target falls due today or later; a withdrawal comes after its consent.
    location: list[str] = error.get("location") or []
    on_a_day = len(location) == 2 and location[0] == "body" and location[1] in _PATHWAY_DAYS
    return on_a_day and error.get("code") in {"in_future", "future", "past", "out_of_range"}


def _continuum_vocabulary(case: Any, error: Error) -> bool:
    return error.get("code") in {
        "unknown_level",
        "unknown_indicator",
        "unknown_area",
        "not_identified",
    }


def _the_plans_targets(case: Any, error: Error) -> bool:
    return error.get("code") == "targets_mismatch"


# --- pathway outcomes (pathway_api/outcomes/)
def _outcome_return(case: Any, error: Error) -> bool:
    # A return's lines (no schema states a CSV's), the datasets the frameworks in force read
    # (configuration), and a month that has begun (the clock's).
    return error.get("code") in {"return_fault", "unread_dataset", "month_to_come"}


def _classified_child(case: Any, error: Error) -> bool:
    # The person must be a child of the case's family (with a birth date, for the looked-after
    # rule), and the day not in the future nor before the child's birth.
    return error.get("code") in {"member", "birth", "future", "before_birth"}


def _month_range(case: Any, error: Error) -> bool:
    return error.get("location") == ["query", "from"] and error.get("code") == "month_range"


@dataclass(frozen=True)
class UnpredictableError:
    """One error of a 422 (`errors[]`) that the request's schema could not foretell."""

    operations: frozenset[str] | None  # None: wherever it occurs
    applies: Callable[[Any, Error], bool]
    why: str

    def excuses(self, case: Any, error: Error) -> bool:
        where = self.operations is None or case.operation.label in self.operations
        return where and self.applies(case, error)


# --- intervention (issue 9) -------------------------------------------------------------------
_PROGRAMME_RECORDS = frozenset(
    {"unknown_programme", "unknown_module", "unknown_tool", "unknown_worker"}
)


def _programme_record_that_is_not_there(case: Any, error: Error) -> bool:
    return error.get("code") in _PROGRAMME_RECORDS


def _session_in_the_future(case: Any, error: Error) -> bool:
    return error.get("code") == "future" and error.get("location") == ["body", "held_on"]


# --- end intervention ---------------------------------------------------------------------


UNPREDICTABLE_ERRORS = (
    UnpredictableError(
        frozenset({"POST /outcomes/imports"}),
        _outcome_return,
        "a return's lines, the datasets the frameworks in force read, and a month begun",
    ),
    UnpredictableError(
        frozenset({"POST /retention/cases/{case_id}/classifications"}),
        _classified_child,
        "a retention classification names a child of the case's family, on a day between"
        " the child's birth and today",
    ),
    UnpredictableError(
        frozenset({"GET /outcomes/figures", "GET /reports/outcomes"}),
        _month_range,
        "the first month is not after the last, and at most 36 months are asked at once",
    ),
    UnpredictableError(
        frozenset(
            {"POST /families/{family_id}/relationships", "POST /cases/{case_id}/allocations"}
        ),
        _a_record_that_is_not_there,
        "a person must be a member of the family; a practitioner must be in the directory",
    ),
    UnpredictableError(
        frozenset(
            {
                "POST /families",
                "POST /families/{family_id}/members",
                "POST /families/{family_id}/members/{person_id}/identifiers",
                "GET /people/search",
                "PUT /people/by-external-id/{system}/{external_id}",
            }
        ),
        _identifier_value,
        "an identifier's format depends on its system (NHS number, UPN, system of record)",
    ),
    UnpredictableError(
        None,
        _event_time_out_of_range,
        "an event time falls after 1900 and not in the future: JSON Schema bounds no dates",
    ),
    UnpredictableError(
        None,
        _configured_vocabulary,
        "entry types and session-log fields are the council's configuration (/recording-config)",
    ),
    UnpredictableError(
        None,
        _between_members,
        "a rule between members of one object (ends after it starts; one of two, not both)",
    ),
    UnpredictableError(
        frozenset({"PATCH /assessments/{assessment_id}"}),
        _assessment_state,
        "an assessment's sections are its own; evidence must be a final entry the caller reads",
    ),
    UnpredictableError(
        None,
        _keyed_record_missing,
        "a person or case names its family, an allocation its case, by an external id that"
        " must already be on the record",
    ),
    UnpredictableError(
        frozenset({"POST /webhooks/subscriptions"}),
        _start_outside_window,
        "where a subscription may start is a window back from now: JSON Schema bounds no"
        " date by the clock",
    ),
    UnpredictableError(
        None,
        _unconfigured_system,
        "the systems of record a council keeps keys of are its configuration"
        " (FSM_EXTERNAL_SYSTEMS); the document gives their shape",
    ),
    UnpredictableError(
        frozenset(
            {"POST /webhooks/subscriptions", "PATCH /webhooks/subscriptions/{subscription_id}"}
        ),
        _target_refused,
        "whether a webhook target's host is one the deployment admits (https, a public address"
        " that resolves) is the network's answer and the policy's, not the URL's shape",
    ),
    UnpredictableError(
        None,
        _trimmed,
        "text is trimmed before its length is checked (services/schemas.py Input)",
    ),
    # --- intervention (issue 9)
    UnpredictableError(
        frozenset(
            {
                "POST /cases/{case_id}/enrolments",
                "POST /cases/{case_id}/enrolments/{enrolment_id}/progress",
                "POST /cases/{case_id}/enrolments/{enrolment_id}/plan",
                "POST /cases/{case_id}/enrolments/{enrolment_id}/sessions",
            }
        ),
        _programme_record_that_is_not_there,
        "a programme version must be loaded, a module in it (and in the plan), a tool in it, "
        "and a worker allocated to the case now",
    ),
    UnpredictableError(
        frozenset({"POST /cases/{case_id}/enrolments/{enrolment_id}/sessions"}),
        _session_in_the_future,
        "a session is held on or before today (Europe/London): JSON Schema bounds no dates",
    ),
    UnpredictableError(
        None,
        _supervision_rule,
        "supervision's rules on the records a request names and between its times",
    ),
    # --- pathway ---
    UnpredictableError(
        None,
        _day_against_today,
        "a day is judged against today in England (consent, a review, a target's due date)",
    ),
    UnpredictableError(
        None,
        _continuum_vocabulary,
        "levels, indicators and headline areas are the council's configuration"
        " (/pathway/configuration), and a target's need must be one its assessment found",
    ),
    UnpredictableError(
        frozenset({"POST /cases/{case_id}/reviews"}),
        _the_plans_targets,
        "a review gives progress on each target the plan holds, which only the server knows",
    ),
)


# RFC 7644 3.12's error types for a request a SCIM schema refuses (RFC 7643's attribute rules:
# the schemas a resource names, attributes required in a context, mutability, PATCH paths and
# filters). The document gives SCIM bodies as objects and leaves those rules to the SCIM schemas
# served at /scim/v2/Schemas; tests/identity's compliance run checks them.
SCIM_VALUE_ERRORS = frozenset(
    {"invalidValue", "invalidSyntax", "invalidFilter", "invalidPath", "noTarget", "mutability"}
)
SCIM_PATH = "/scim/"


def _scim_value_error(case: Any, response: Any, body: dict[str, Any]) -> bool:
    return (
        case.operation.path.startswith(SCIM_PATH)
        and response.status_code == 400
        and body.get("scimType") in SCIM_VALUE_ERRORS
    )


def excused(failure: Any, case: Any, response: Any) -> bool:
    """Tell whether a check's failure is a listed refusal no document can predict."""
    if not isinstance(failure, RejectedPositiveData):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    if _scim_value_error(case, response, body):
        return True
    problem = str(body.get("type", "")).removeprefix(PROBLEM_BASE)
    if response.status_code == 422 and problem == "validation":
        errors: list[Error] = body.get("errors") or []
        return bool(errors) and all(
            any(known.excuses(case, error) for known in UNPREDICTABLE_ERRORS) for error in errors
        )
    return any(
        response.status_code == known.status and problem in known.problems and known.applies(case)
        for known in UNPREDICTABLE
    )
