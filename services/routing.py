"""The request kit's route: what every endpoint of every service gets without writing it.

Handlers are thin. A route built by `kit_router()`:
- opens the request's unit of work first, so every dependency and the handler share it and it
  commits before the response leaves (services/unit_of_work.py);
- audits the request when its endpoint is `@audited` (services/auditing.py), reading
  `X-Access-Purpose`, with refusals from any dependency (a load-or-404, a role check) recorded
  as such;
- accepts `Idempotency-Key` on every POST (services/idempotency.py);
- documents itself: `operationId` is the endpoint's name (`create_entry`), a `summary` is
  required, and every problem status its dependencies can raise is declared as
  `application/problem+json` with the Problem schema, with `ETag` and `Location` headers where
  the response carries them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.auditing import RequestAudit, access_purpose, audit_spec_of, default_purpose
from services.disconnect import aborted_by_client
from services.errors import ProblemError, problem_statuses
from services.idempotency import idempotency_key
from services.unit_of_work import current_unit_of_work, unit_of_work

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
VALIDATION_PROBLEM_REF = "#/components/schemas/ValidationProblemDetails"

# Every route can meet these: no internal token (401), a database that is down or slow (503).
_ALWAYS = (401, 503)
_DESCRIPTIONS = {
    400: "The request is malformed (an unreadable body, a bad cursor or Idempotency-Key)",
    401: "No valid credentials",
    403: "Your role does not allow this",
    404: "No such record, or not one you may see",
    409: "The change conflicts with the record's state, or the same Idempotency-Key is in flight",
    410: "The cursor is no longer held; start again without one",
    412: "If-Match names a version that is no longer current",
    413: "The request body is too large",
    422: "The request is not valid; `errors` says where",
    428: "If-Match is required",
    503: "A dependency is unavailable; retry after Retry-After seconds",
}
_VERSION_FIELDS = frozenset({"etag", "version"})


def _walk(dependant: Dependant) -> Iterable[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _dependant(path: str, endpoint: Callable[..., Any], extra: Sequence[DependsParam]) -> Dependant:
    dependant = get_dependant(path=path, call=endpoint)
    for depends in extra:
        if depends.dependency is not None:
            dependant.dependencies.append(get_dependant(path=path, call=depends.dependency))
    return dependant


def _statuses(dependant: Dependant) -> set[int]:
    statuses = set(_ALWAYS)
    for node in _walk(dependant):
        if node.call is not None:
            statuses |= problem_statuses(node.call)
        if node.path_params or node.query_params or node.header_params or node.body_params:
            statuses.add(422)
        if node.body_params:
            # A body that cannot be read as JSON at all never reaches validation: FastAPI's 400.
            statuses.add(400)
    return statuses


def _uses(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(node.call is call for node in _walk(dependant))


def _problem_response(status: int) -> dict[str, Any]:
    ref = VALIDATION_PROBLEM_REF if status == 422 else PROBLEM_REF
    return {
        "description": _DESCRIPTIONS.get(status, "Problem details (RFC 9457)"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": ref}}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for problem statuses (for routes outside the kit)."""
    return {status: _problem_response(status) for status in statuses}


def _success_headers(status_code: int | None, response_model: Any) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    versioned = (
        isinstance(response_model, type)
        and issubclass(response_model, BaseModel)
        and bool(_VERSION_FIELDS & set(response_model.model_fields))
    )
    if versioned:
        headers["ETag"] = {
            "description": "The version to send back in If-Match when changing this",
            "schema": {"type": "string"},
        }
    if status_code == 201:
        headers["Location"] = {
            "description": "Where the new record can be read",
            "schema": {"type": "string"},
        }
    return headers


class KitRoute(APIRoute):
    """An APIRoute with the request kit wired in (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not kwargs.get("summary"):
            raise TypeError(f"{endpoint.__name__}: kit routes need a summary")
        kwargs["operation_id"] = kwargs.get("operation_id") or endpoint.__name__
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        spec = audit_spec_of(endpoint)
        given = list(kwargs.get("dependencies") or [])
        kit: list[DependsParam] = []
        if spec is not None:
            kit.append(Depends(access_purpose))
        if "POST" in methods:
            kit.append(Depends(idempotency_key))
        # The unit of work comes first wherever one is used, so everything shares it.
        if kit or _uses(_dependant(path, endpoint, given), unit_of_work):
            kit.insert(0, Depends(unit_of_work, scope="function"))
        present = {d.dependency for d in given}
        kwargs["dependencies"] = [d for d in kit if d.dependency not in present] + given
        responses: dict[int | str, dict[str, Any]] = dict(kwargs.get("responses") or {})
        dependant = _dependant(path, endpoint, kwargs["dependencies"])
        for status in _statuses(dependant) | {
            int(key) for key in responses if str(key).isdigit() and int(str(key)) >= 400
        }:
            responses[status] = {**_problem_response(status), **responses.get(status, {})}
        kwargs["responses"] = responses
        self._audit_spec = spec
        super().__init__(path, endpoint, **kwargs)
        headers = _success_headers(self.status_code, self.response_model)
        if headers:
            success = str(self.status_code or 200)
            self.responses.setdefault(success, {}).setdefault("headers", {}).update(headers)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        spec = self._audit_spec

        async def run(request: Request) -> Response:
            trail = None
            if spec is not None:
                trail = RequestAudit(spec, request, default_purpose(request))
                trail.attach()
            try:
                response = await handler(request)
            except ProblemError as error:
                if trail is not None:
                    trail.refused(error)
                raise
            except asyncio.CancelledError:
                # The client went away mid-way (services/disconnect.py): attempted, not done.
                if trail is not None and aborted_by_client(request.scope):
                    trail.aborted()
                raise
            if trail is not None and response.status_code < 400:
                trail.succeeded()
            uow = current_unit_of_work(request)
            if uow is not None:
                uow.respond_with(response)
            return response

        return run


def kit_router(
    *, tags: Sequence[str] | None = None, dependencies: Sequence[DependsParam] = ()
) -> APIRouter:
    """A router whose routes are kit routes (each also running `dependencies`, after the kit's)."""
    return APIRouter(route_class=KitRoute, tags=list(tags or []), dependencies=list(dependencies))
