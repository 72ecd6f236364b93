"""The access log's filters, read from the query string once and forwarded as they came.

The gateway passes the same filters on to every unit, so they are one dataclass with its own
query-string form (`as_params`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query

from services.errors import FieldError, ValidationProblem, raises

Outcome = Literal["success", "denied", "not_found", "error", "aborted"]
# What the kit writes in `action`, `resource_type` and `purpose`: snake_case words.
WORD_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
# RFC 3339 with its offset, as Python's fromisoformat reads it.
INSTANT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


@dataclass(frozen=True)
class LogFilter:
    """What the reader asked for; each field narrows the answer, absent ones do not."""

    person_id: UUID | None = None
    family_id: UUID | None = None
    case_id: UUID | None = None
    practitioner_id: UUID | None = None
    action: str | None = None
    resource_type: str | None = None
    outcome: Outcome | None = None
    purpose: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Shorthands for what a DPO looks for first.
    refusals: bool = False
    break_glass: bool = False

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters, to ask another unit the same question."""
        params: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value is None or value is False:
                continue
            if isinstance(value, datetime):
                params[name] = value.isoformat()
            elif value is True:
                params[name] = "true"
            else:
                params[name] = str(value)
        return params

    def described(self) -> dict[str, Any]:
        """The filters used, for the audit row of the read (ids and words, no narrative)."""
        return {key: value for key, value in self.as_params().items()}


@raises(422)
async def log_filter(
    person_id: Annotated[
        UUID | None, Query(description="Rows about this person (by id or in details)")
    ] = None,
    family_id: Annotated[
        UUID | None, Query(description="Rows about this family, its members' and its cases'")
    ] = None,
    case_id: Annotated[UUID | None, Query(description="Rows about this case")] = None,
    practitioner_id: Annotated[UUID | None, Query(description="Rows of this actor")] = None,
    action: Annotated[
        str | None,
        Query(pattern=WORD_PATTERN, max_length=64, description="read, list, create, ..."),
    ] = None,
    resource_type: Annotated[
        str | None,
        Query(pattern=WORD_PATTERN, max_length=64, description="case, entry, session_log, ..."),
    ] = None,
    outcome: Annotated[Outcome | None, Query(description="What came of the request")] = None,
    purpose: Annotated[
        str | None,
        Query(pattern=WORD_PATTERN, max_length=64, description="The declared access purpose"),
    ] = None,
    since: Annotated[
        str | None,
        Query(
            pattern=INSTANT_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="From this instant (inclusive; RFC 3339, with its offset)",
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            pattern=INSTANT_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="Before this instant (exclusive; RFC 3339, with its offset)",
        ),
    ] = None,
    refusals: Annotated[
        bool, Query(description="Only refusals and misses (denied, not_found)")
    ] = False,
    break_glass: Annotated[bool, Query(description="Only break-glass grants")] = False,
) -> LogFilter:
    """Read the filters; instants are RFC 3339 with their offset (an empty window finds
    nothing). Parsed here, not by pydantic, whose lax mode would take a number for a time."""
    errors: list[FieldError] = []
    window: dict[str, datetime | None] = {}
    for name, value in (("since", since), ("until", until)):
        window[name] = None
        if value is not None:
            try:
                window[name] = datetime.fromisoformat(value)
            except ValueError:
                errors.append(FieldError(("query", name), "Not a date and time.", "datetime"))
    if errors:
        raise ValidationProblem(errors)
    return LogFilter(
        person_id=person_id,
        family_id=family_id,
        case_id=case_id,
        practitioner_id=practitioner_id,
        action=action,
        resource_type=resource_type,
        outcome=outcome,
        purpose=purpose,
        since=window["since"],
        until=window["until"],
        refusals=refusals,
        break_glass=break_glass,
    )
