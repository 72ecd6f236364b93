"""Who may upsert by external id, the path parameters naming a key, and If-Match for upserts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Query

from services.auth import require_any_role
from services.concurrency import IfMatch, check_if_match
from services.errors import FieldError, ProblemError, ValidationProblem, invalid, raises
from services.principal import Principal
from workbook_api.access.visibility import SYSTEM_ROLE
from workbook_api.external.schemas import EXTERNAL_KEY_PATTERN, SYSTEM_PATTERN
from workbook_api.external.service.batch import KEY_FIELD, Outcome, RowError
from workbook_api.settings import WorkbookSettings, WorkbookSettingsDep

SystemOfRecord = Annotated[Principal, Depends(require_any_role(SYSTEM_ROLE))]
ExternalKeyPath = Annotated[
    str,
    Path(
        pattern=EXTERNAL_KEY_PATTERN,
        max_length=64,
        description="The record's id in the system of record",
    ),
]


@raises(422)
async def external_system(
    settings: WorkbookSettingsDep,
    system: Annotated[
        str,
        Path(
            pattern=SYSTEM_PATTERN,
            description="The system of record, as the council configures it (FSM_EXTERNAL_SYSTEMS)",
        ),
    ],
) -> str:
    """A system of record the workbook is configured to keep keys of."""
    return _configured(settings, system, "path")


def _configured(settings: WorkbookSettings, system: str, where: str) -> str:
    if system not in settings.external_systems:
        raise invalid(
            where,
            "system",
            message=f"Must be one of: {', '.join(settings.external_systems)}.",
            code="enum",
        )
    return system


System = Annotated[str, Depends(external_system)]


@raises(422)
async def external_system_query(
    settings: WorkbookSettingsDep,
    system: Annotated[
        str,
        Query(
            pattern=SYSTEM_PATTERN,
            description="The system of record the file comes from (FSM_EXTERNAL_SYSTEMS)",
        ),
    ],
) -> str:
    """A configured system of record, named in the query string."""
    return _configured(settings, system, "query")


SystemQuery = Annotated[str, Depends(external_system_query)]


def version_check(if_match: str | None) -> Callable[[UUID, int], None]:
    """Refuse a change to an existing record unless If-Match names its current version."""

    def check(record_id: UUID, version: int) -> None:
        check_if_match(if_match, record_id, version)

    return check


async def if_match_header(if_match: IfMatch = None) -> str | None:
    """If-Match, required when an upsert would change a record that exists (428/412)."""
    return if_match


UpsertIfMatch = Annotated[str | None, Depends(raises(412, 428)(if_match_header))]


def _location(error: RowError) -> tuple[str, ...]:
    if error.field == KEY_FIELD:
        return ("path", "external_id")
    return ("body", error.field) if error.field else ("body",)


def refuse(outcome: Outcome) -> None:
    """Turn a failed outcome into the problem the API answers with (409 before 422)."""
    if outcome.action != "failed":
        return
    fields = [FieldError(_location(e), e.message, e.code) for e in outcome.errors]
    conflict = next((e for e in outcome.errors if e.status != 422), None)
    if conflict is None:
        raise ValidationProblem(fields)
    raise ProblemError(
        conflict.status,
        conflict.code.replace("_", "-"),
        conflict.message,
        errors=[field.as_dict() for field in fields],
    )
