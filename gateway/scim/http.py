"""What every SCIM endpoint shares: the prefix, the router shape, parameters and rendering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from scim2_models import Context, ListResponse, Resource, ResponseParameters

from gateway.scim.errors import SCIM_MEDIA_TYPE, ScimJsonResponse, ScimRoute, scim_response
from gateway.scim.resources import MAX_RESULTS, POLICY

PREFIX = "/scim/v2"

ScimBody = Annotated[dict[str, Any], Body(media_type=SCIM_MEDIA_TYPE)]
Filter = Annotated[str | None, Query(description="A SCIM filter (RFC 7644 3.4.2.2)")]
StartIndex = Annotated[int | None, Query(alias="startIndex", description="1-based")]
Count = Annotated[int | None, Query(description=f"At most {MAX_RESULTS}")]
Attributes = Annotated[str | None, Query(description="Attributes to return")]
Excluded = Annotated[str | None, Query(alias="excludedAttributes")]


@dataclass(frozen=True)
class ListQuery:
    """A list request's filter, page (RFC 7644 3.4.2.4) and attribute selection."""

    filter: str | None
    start: int
    size: int
    attributes: str | None
    excluded: str | None


async def list_query(
    filter: Filter = None,
    start_index: StartIndex = None,
    count: Count = None,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> ListQuery:
    # startIndex is 1-based and at least 1; count runs from 0 to the most we return.
    start = max(start_index or 1, 1)
    size = MAX_RESULTS if count is None else min(max(count, 0), MAX_RESULTS)
    return ListQuery(filter, start, size, attributes, excluded_attributes)


ListParameters = Annotated[ListQuery, Depends(list_query)]


R = TypeVar("R", bound=Resource[Any])


def listing(model: type[R], query: ListQuery, total: int, resources: Sequence[R]) -> Response:
    """A ListResponse of `resources`, with the attributes the query selected."""
    parameters = response_parameters(model, query.attributes, query.excluded)
    answer = ListResponse[model](  # type: ignore[valid-type]
        total_results=total,
        start_index=query.start,
        items_per_page=len(resources),
        resources=list(resources),
    )
    return scim_response(dump(answer, Context.SEARCH_RESPONSE, parameters))


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
