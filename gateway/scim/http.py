"""What every SCIM endpoint shares: the prefix, the router shape, parameters and rendering."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from scim2_models import Context, ResponseParameters

from gateway.scim.errors import SCIM_MEDIA_TYPE, ScimJsonResponse, ScimRoute
from gateway.scim.resources import MAX_RESULTS, POLICY

PREFIX = "/scim/v2"

ScimBody = Annotated[dict[str, Any], Body(media_type=SCIM_MEDIA_TYPE)]
Filter = Annotated[str | None, Query(description="A SCIM filter (RFC 7644 3.4.2.2)")]
StartIndex = Annotated[int | None, Query(alias="startIndex", description="1-based")]
Count = Annotated[int | None, Query(description=f"At most {MAX_RESULTS}")]
Attributes = Annotated[str | None, Query(description="Attributes to return")]
Excluded = Annotated[str | None, Query(alias="excludedAttributes")]


def scim_router(prefix: str = "", tags: list[str | Enum] | None = None) -> APIRouter:
    """A router whose every failure is a SCIM error and whose answers are SCIM JSON."""
    return APIRouter(
        prefix=prefix,
        tags=tags,
        route_class=ScimRoute,
        default_response_class=ScimJsonResponse,
    )


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def response_parameters(model: Any, attributes: str | None, excluded: str | None) -> Any:
    if attributes is None and excluded is None:
        return None
    return ResponseParameters[model].model_validate(
        {"attributes": attributes, "excludedAttributes": excluded}
    )


def dump(resource: Any, context: Context, parameters: Any = None) -> dict[str, Any]:
    dumped: dict[str, Any] = resource.model_dump(
        scim_ctx=context, response_parameters=parameters, scim_policy=POLICY
    )
    return dumped
