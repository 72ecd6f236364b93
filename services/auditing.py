"""Auditing a request: why the caller reads (`X-Access-Purpose`), and what became of it.

A handler declares what it does with `@audited("read", "case")`; the kit's route
(services/routing.py) then records one audit event per request: success when the handler
returns, a refusal when it (or any dependency, the load-or-404s included) raises 403 or 404.
The case and the resource are taken from the path (`case_id`, and the last path parameter);
a handler adds what it learns (a new record's id, counts, field names) to its `AuditNote`.
Details carry ids, counts and field names, never what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request

from services.audit import ANONYMOUS, AuditEvent, Outcome, audit_outside_request
from services.errors import FieldError, ProblemError, ValidationProblem
from services.principal import principal_of
from services.request_context import current_request_id
from services.unit_of_work import current_unit_of_work, sessionmaker_from

PURPOSE_HEADER = "X-Access-Purpose"
_SPEC_ATTRIBUTE = "__fsm_audit__"
_REFUSALS: dict[int, Outcome] = {403: "denied", 404: "not_found"}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


@dataclass(frozen=True)
class AuditSpec:
    """What an endpoint does, for its audit record."""

    action: str
    resource_type: str
    # The path parameter naming the resource; None means the last one, "" means none.
    resource: str | None = None


def audited(
    action: str, resource_type: str, *, resource: str | None = None
) -> Callable[[Endpoint], Endpoint]:
    """Declare that an endpoint is audited as `action` on `resource_type`."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _SPEC_ATTRIBUTE, AuditSpec(action, resource_type, resource))
        return endpoint

    return mark


def audit_spec_of(endpoint: Callable[..., Any]) -> AuditSpec | None:
    """The audit declaration of an endpoint, if it has one."""
    spec = getattr(endpoint, _SPEC_ATTRIBUTE, None)
    return spec if isinstance(spec, AuditSpec) else None


@dataclass
class AuditNote:
    """What a handler learns while working that its audit record should carry."""

    resource_id: str | None = None
    case_id: UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # Set when one endpoint does two things (a chronology read, or its export).
    action: str | None = None
    # Set when the outcome is known only later (a streamed export records its own).
    deferred: bool = False


def _uuid_or_none(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except (TypeError, ValueError):
        return None


def _path_text(value: Any) -> str | None:
    # A path parameter is the client's text, read before the route validates it: one with a
    # control character (the audit chain's field separator among them) names no record, and
    # must not stop the request, or its refusal, being audited.
    text = str(value)
    return None if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text) else text


class RequestAudit:
    """The audit record of one request, built by the kit's route around its handler."""

    def __init__(self, spec: AuditSpec, request: Request, purpose: str) -> None:
        self.spec = spec
        self.request = request
        self.purpose = purpose
        params = request.path_params
        name = spec.resource if spec.resource is not None else next(reversed(params), "")
        self.note = AuditNote(
            resource_id=_path_text(params[name]) if name and name in params else None,
            case_id=_uuid_or_none(params.get("case_id")),
        )

    def succeeded(self) -> None:
        """Record the request as done (unless its handler records the outcome itself)."""
        if not self.note.deferred:
            self._record("success", {})

    def aborted(self) -> None:
        """Record that the client went away before the request finished."""
        self._record("aborted", {})

    def event(self, outcome: Outcome, extra: dict[str, Any]) -> AuditEvent:
        """This request's audit event with an outcome, for a handler that records it later."""
        return AuditEvent(
            action=self.note.action or self.spec.action,
            resource_type=self.spec.resource_type,
            resource_id=self.note.resource_id,
            case_id=self.note.case_id,
            purpose=self.purpose,
            outcome=outcome,
            details={**self.note.details, **extra},
        )

    def refused(self, error: ProblemError) -> None:
        """Record a refusal or a miss; other failures changed and revealed nothing."""
        # A failure may name its own outcome and private details (ids the client is not told).
        outcome: Outcome | None = getattr(error, "audit_outcome", None) or _REFUSALS.get(
            error.status
        )
        if outcome is not None:
            self._record(outcome, {"status": error.status, **getattr(error, "audit_details", {})})

    def _record(self, outcome: Outcome, extra: dict[str, Any]) -> None:
        audit(self.request, self.event(outcome, extra))

    @staticmethod
    def of(request: Request) -> RequestAudit | None:
        """The audit record the kit's route started for this request, if any."""
        trail = getattr(request.state, "audit", None)
        return trail if isinstance(trail, RequestAudit) else None

    def attach(self) -> None:
        """Make this the request's audit record."""
        self.request.state.audit = self


def audit(request: Request, event: AuditEvent) -> None:
    """Queue an extra audit event on the request's unit of work (see services/unit_of_work.py)."""
    uow = current_unit_of_work(request)
    if uow is None:
        # Without a unit of work nothing would ever write the event: fail loudly, not silently.
        raise RuntimeError("audit() needs the request's unit of work (DbSession)")
    uow.record(event)


async def audit_now(request: Request, event: AuditEvent) -> None:
    """Write an event at once in its own transaction, whatever becomes of the request's."""
    await audit_outside_request(
        sessionmaker_from(request),
        request.app.state.kernel.audit_log,
        actor=principal_of(request.scope) or ANONYMOUS,
        request_id=current_request_id(),
        events=[event],
    )


def default_purpose(request: Request) -> str:
    """The purpose recorded when the caller declares none."""
    purpose: str = request.app.state.settings.default_access_purpose
    return purpose


async def access_purpose(
    request: Request,
    x_access_purpose: Annotated[
        str | None,
        Header(
            alias=PURPOSE_HEADER,
            description=(
                "Why you need this data; recorded in the audit log with every read and write. "
                "One of the council's configured purposes (default when absent: direct_work)."
            ),
        ),
    ] = None,
) -> str:
    """Return the declared purpose, the configured default when absent; refuse unknown ones."""
    settings = request.app.state.settings
    purpose = x_access_purpose if x_access_purpose is not None else default_purpose(request)
    if purpose not in settings.access_purposes:
        raise ValidationProblem(
            [
                FieldError(
                    ("header", PURPOSE_HEADER),
                    f"Must be one of: {', '.join(settings.access_purposes)}.",
                    "enum",
                )
            ]
        )
    trail = RequestAudit.of(request)
    if trail is not None:
        trail.purpose = purpose
    return purpose


AccessPurpose = Annotated[str, Depends(access_purpose)]


async def audit_note(request: Request) -> AuditNote:
    """The audit note of the request, for a handler to add what it learns."""
    trail = RequestAudit.of(request)
    if trail is None:
        raise RuntimeError("this endpoint is not @audited")
    return trail.note


Audit = Annotated[AuditNote, Depends(audit_note)]
