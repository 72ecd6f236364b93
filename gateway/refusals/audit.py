"""Refusals at the gateway, written to the directory's audit log before the client hears of them.

Backends audit their own refusals; these are the gateway's: a verified caller who is not an
active practitioner (on any path), and a 403 or a routed 404 from the gateway's own endpoints
(/me, /directory/...). Each is one row in a transaction of its own, so it stands whatever
becomes of the request. Failed tokens are tallied instead (gateway.refusals.token_failures).
"""

from __future__ import annotations

import logging
from typing import Any, Final

from starlette.types import Message, Scope, Send

from services.audit import Actor, AuditEvent, Outcome, audit_outside_request
from services.principal import Principal
from services.request_context import current_request_id

log = logging.getLogger(__name__)

ACTION: Final = "gateway.access.refused"
RESOURCE_TYPE: Final = "route"
PURPOSE: Final = "access control"
_OUTCOMES: Final[dict[int, Outcome]] = {403: "denied", 404: "not_found"}
_MAX_SUBJECT: Final = 255


def route_label(scope: Scope) -> str:
    """The method and route template of a request, never its raw path (it carries ids)."""
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        segments = scope["path"].split("/", 2)
        template = f"/{segments[1]}/{{path}}" if len(segments) > 2 else "/" + segments[1]
    return f"{scope['method']} {template}"


def subject_actor(subject: str) -> str:
    """A verified but unknown subject, as the audit log can hold it."""
    if not subject.isprintable():
        return "(unprintable subject)"
    return subject[:_MAX_SUBJECT]


async def audit_refusal(
    scope: Scope, actor: Actor, status: int, details: dict[str, Any] | None = None
) -> None:
    """Record one refusal now, in its own transaction; failing to record is logged, not raised."""
    state = scope["app"].state
    event = AuditEvent(
        action=ACTION,
        resource_type=RESOURCE_TYPE,
        resource_id=route_label(scope),
        case_id=None,
        purpose=PURPOSE,
        outcome=_OUTCOMES.get(status, "denied"),
        details={"status": status, **(details or {})},
    )
    try:
        await audit_outside_request(
            state.sessionmaker,
            state.kernel.audit_log,
            actor=actor,
            request_id=current_request_id(),
            events=[event],
        )
    except Exception:
        # The refusal still goes out; the failure is loud in the logs.
        log.exception("could not audit a refusal at the gateway")


def auditing_refusals(scope: Scope, principal: Principal, send: Send) -> Send:
    """Wrap `send` so a 403, or a 404 from a matched route, is audited before it goes out."""

    async def send_audited(message: Message) -> None:
        if message["type"] == "http.response.start":
            status = message["status"]
            # An unrouted 404 is a mistyped URL; a routed one is a record the caller may
            # not see (or that is missing: the same answer, by design).
            if status == 403 or (status == 404 and scope.get("route") is not None):
                params = {key: str(value) for key, value in scope.get("path_params", {}).items()}
                await audit_refusal(scope, principal, status, {"path_params": params})
        await send(message)

    return send_audited
