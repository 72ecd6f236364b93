"""SCIM error responses (RFC 7644 3.12): every failure on /scim/v2 answers in SCIM's own shape.

`ScimRoute` turns whatever a SCIM handler (or its dependencies, or the commit) raises into an
`application/scim+json` Error: our own `ScimError`, the model library's exceptions and
validation errors, refusals from the gateway kit, database conflicts and outages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Final

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from scim2_models import Error, SCIMException
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.db import RETRY_AFTER_SECONDS, is_connection_failure
from services.errors import ProblemError

log = logging.getLogger(__name__)

SCIM_MEDIA_TYPE: Final = "application/scim+json"


class ScimError(Exception):
    """A SCIM failure: its status, its `scimType` (Table 9) when it has one, a detail."""

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        self.headers = headers or {}


def not_found(what: str) -> ScimError:
    """A 404 for a resource this client did not provision (or that does not exist)."""
    return ScimError(404, f"No such {what}.")


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM JSON response."""
    from json import dumps

    return Response(
        content=dumps(body, separators=(",", ":")),
        status_code=status,
        media_type=SCIM_MEDIA_TYPE,
        headers=headers,
    )


def error_response(error: ScimError) -> Response:
    """Render a ScimError as RFC 7644 wants it."""
    body = Error(status=error.status, scim_type=error.scim_type, detail=error.detail)
    return scim_response(body.model_dump(), error.status, error.headers)


def as_scim_error(exc: Exception) -> ScimError | None:
    """The SCIM error an exception means, or None for a fault of ours."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, SCIMException):
        return ScimError(exc.status, exc.detail, exc.scim_type or None)
    if isinstance(exc, ValidationError):
        first = Error.from_validation_errors(exc)[0]
        return ScimError(int(first.status or 400), first.detail or "Invalid", first.scim_type)
    if isinstance(exc, RequestValidationError):
        return ScimError(400, "The request body is not a JSON object.", "invalidSyntax")
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        # FastAPI's own refusal of a body it cannot read as JSON (not UTF-8, say).
        return ScimError(400, "The request body is not JSON.", "invalidSyntax")
    if isinstance(exc, ProblemError):
        # A refusal from the gateway's kit (an oversized body, a busy database).
        return ScimError(exc.status, exc.detail or exc.title, None, exc.headers)
    if isinstance(exc, DBAPIError) and is_connection_failure(exc):
        return ScimError(
            503,
            "The directory is unavailable; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, IntegrityError):
        # Two requests raced for one name: the later one loses, as a uniqueness conflict.
        return ScimError(409, "The change conflicts with an existing resource.", "uniqueness")
    if isinstance(exc, TimeoutError | OSError):
        return ScimError(
            503,
            "The directory is unavailable; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return None


class ScimRoute(APIRoute):
    """A route whose every failure is a SCIM Error (a 500 stays a 500, and is logged)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error = as_scim_error(exc)
                if error is None:
                    log.exception("SCIM request failed: %s", request.scope.get("route"))
                    error = ScimError(500, "An unexpected error occurred.")
                return error_response(error)

        return run


class ScimJsonResponse(JSONResponse):
    """Responses documented (and sent) as application/scim+json (JSON under SCIM's type)."""

    media_type = SCIM_MEDIA_TYPE


class ScimErrorBody(BaseModel):
    """A SCIM error (RFC 7644 3.12)."""

    schemas: list[str]
    status: str
    scimType: str | None = None  # SCIM spells it so
    detail: str | None = None


_DESCRIPTIONS: Final = {
    400: "The request is not valid SCIM (scimType says how)",
    401: "No valid provisioning credential",
    404: "No such resource, or not one this client provisioned",
    409: "Another resource already has this userName or displayName",
    413: "The request body is too large",
    503: "The directory is unavailable; retry after Retry-After seconds",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the SCIM errors an endpoint can answer with."""
    always = (401, 503)
    return {
        status: {"model": ScimErrorBody, "description": _DESCRIPTIONS.get(status, "SCIM error")}
        for status in sorted({*always, *statuses})
    }
