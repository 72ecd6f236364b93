"""RFC 9457 problem details: one exception type, one renderer, handlers for every failure path."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.allowed_methods import allow_header

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEMS_ATTRIBUTE = "__fsm_problems__"
Raiser = TypeVar("Raiser", bound=Callable[..., Any])
PROBLEM_BASE = "https://family-safeguarding.example/problems/"

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class FieldErrorItem(BaseModel):
    """Where a request is at fault and why (never the submitted value)."""

    location: list[str]
    message: str
    code: str


class ValidationProblemDetails(Problem):
    """A 422: the request is well formed but not valid; `errors` says where."""

    errors: list[FieldErrorItem] = []


class ProblemError(Exception):
    """A failure the client should see as problem+json; raise it from anywhere in a request."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or slug)
        self.status = status
        self.slug = slug
        self.title = title or _TITLES.get(status, "Error")
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with a request: its location (`body`, `discipline`), a message, a code."""

    location: tuple[str, ...]
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, Any]:
        return {"location": list(self.location), "message": self.message, "code": self.code}


VALIDATION_DETAIL = "The request is not valid; see errors."


class ValidationProblem(ProblemError):
    """A 422 in the same shape as FastAPI's request validation errors."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(
            422, "validation", VALIDATION_DETAIL, errors=[error.as_dict() for error in errors]
        )


def invalid(*location: str, message: str, code: str = "invalid") -> ValidationProblem:
    """A 422 naming one field at fault: `invalid("body", "ends_at", message=...)`."""
    return ValidationProblem([FieldError(location, message, code)])


class NotFound(ProblemError):
    """The resource does not exist for this caller (missing and forbidden look the same)."""

    def __init__(self, what: str = "resource") -> None:
        super().__init__(404, "not-found", f"No such {what}.")


class Forbidden(ProblemError):
    """The caller is known but their role does not allow this action."""

    def __init__(self, detail: str = "Your role does not allow this action.") -> None:
        super().__init__(403, "forbidden", detail)


class Unauthorized(ProblemError):
    """No valid credentials: always advertises the Bearer scheme."""

    def __init__(self, detail: str = "A valid bearer token is required.") -> None:
        super().__init__(
            401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="fsm"'}
        )


class ServiceUnavailable(ProblemError):
    """A dependency is down; the client should retry later."""

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(
            503, "service-unavailable", detail, headers={"Retry-After": str(retry_after)}
        )


def raises(*statuses: int) -> Callable[[Raiser], Raiser]:
    """Declare the problem statuses a dependency or endpoint can answer with (for OpenAPI)."""

    def mark(call: Raiser) -> Raiser:
        setattr(call, _PROBLEMS_ATTRIBUTE, problem_statuses(call) | frozenset(statuses))
        return call

    return mark


def problem_statuses(call: Callable[..., Any]) -> frozenset[int]:
    """The problem statuses declared with `raises` on a callable."""
    declared: object = getattr(call, _PROBLEMS_ATTRIBUTE, frozenset())
    return declared if isinstance(declared, frozenset) else frozenset()


_PREFIX = re.compile(r"^(/[a-z][a-z0-9-]{0,40}){1,3}$")


def public_path(request: Request) -> str:
    """The path as the client called it: behind the gateway, with its route prefix restored."""
    prefix = request.headers.get("x-forwarded-prefix", "")
    if prefix and _PREFIX.match(prefix):
        return prefix + request.url.path
    return request.url.path


def problem_body(
    status: int,
    slug: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """Build an RFC 9457 body; extensions never override the standard members."""
    body: dict[str, Any] = dict(extensions)
    body.update(
        {
            "type": PROBLEM_BASE + slug,
            "title": title or _TITLES.get(status, "Error"),
            "status": status,
        }
    )
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    return body


def problem_response(
    status: int,
    slug: str,
    *,
    detail: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> JSONResponse:
    """Render a problem as a JSON response with the problem media type."""
    return JSONResponse(
        problem_body(status, slug, title=title, detail=detail, instance=instance, **extensions),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        # Echo where and what, never the submitted value: it may be case narrative.
        errors.append(
            {
                "location": [str(p) for p in err.get("loc", ())],
                "message": str(err.get("msg", "")),
                "code": str(err.get("type", "")),
            }
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error path render problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.slug,
            detail=exc.detail,
            title=exc.title,
            headers=exc.headers,
            instance=public_path(request),
            **exc.extensions,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            422,
            "validation",
            detail=VALIDATION_DETAIL,
            instance=public_path(request),
            errors=_validation_errors(exc),
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Every route serving the path, not only the first one the router tried.
            headers["Allow"] = allow_header(request.app.router.routes, request.scope)
        return problem_response(
            exc.status_code,
            slug,
            detail=detail,
            headers=headers,
            instance=public_path(request),
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "internal", detail="An unexpected error occurred.", instance=public_path(request)
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
