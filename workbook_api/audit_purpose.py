"""Why a caller reads or writes case data (`X-Access-Purpose`), and auditing with it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request

from services.audit import AuditEvent, Outcome, audit
from services.errors import ProblemError
from workbook_api.settings import DEFAULT_ACCESS_PURPOSES


def access_purpose(
    request: Request,
    x_access_purpose: Annotated[
        str | None,
        Header(
            max_length=64,
            description="Why the caller needs this data; one of the configured purposes.",
        ),
    ] = None,
) -> str:
    """Return the declared purpose, the configured default when absent; refuse unknown ones."""
    settings = request.app.state.settings
    vocabulary: tuple[str, ...] = getattr(settings, "access_purposes", DEFAULT_ACCESS_PURPOSES)
    if x_access_purpose is None:
        default: str = getattr(settings, "default_access_purpose", "direct_work")
        return default
    if x_access_purpose not in vocabulary:
        raise ProblemError(
            422,
            "validation",
            "The request is not valid; see errors.",
            errors=[
                {
                    "location": ["header", "X-Access-Purpose"],
                    "message": f"Must be one of: {', '.join(vocabulary)}.",
                    "code": "enum",
                }
            ],
        )
    return x_access_purpose


AccessPurpose = Annotated[str, Depends(access_purpose)]


@dataclass
class AuditNote:
    """What a handler learns while working that its audit record should carry."""

    resource_id: str | None = None
    case_id: UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)


_REFUSALS: dict[int, Outcome] = {403: "denied", 404: "not_found"}


@contextmanager
def audited(
    request: Request,
    *,
    action: str,
    resource_type: str,
    purpose: str,
    resource_id: UUID | str | None = None,
    case_id: UUID | None = None,
) -> Iterator[AuditNote]:
    """Audit the block: success when it completes, a refusal or miss when it raises 403/404.

    Refusals are written even though the request's transaction then rolls back
    (services.audit). Details carry ids, counts and field names, never what anyone wrote.
    """
    note = AuditNote(
        resource_id=str(resource_id) if resource_id is not None else None, case_id=case_id
    )

    def record(outcome: Outcome, extra: dict[str, Any]) -> None:
        audit(
            request,
            AuditEvent(
                action=action,
                resource_type=resource_type,
                resource_id=note.resource_id,
                case_id=note.case_id,
                purpose=purpose,
                outcome=outcome,
                details={**note.details, **extra},
            ),
        )

    try:
        yield note
    except ProblemError as exc:
        # A failure may name its own outcome and private details (ids the client is not told).
        refusal: Outcome | None = getattr(exc, "audit_outcome", None) or _REFUSALS.get(exc.status)
        if refusal is not None:
            record(refusal, {"status": exc.status, **getattr(exc, "audit_details", {})})
        raise
    except asyncio.CancelledError:
        # The client went away mid-way (services/disconnect.py): attempted, not completed.
        record("aborted", {})
        raise
    record("success", {})
