"""SCIM 2.0 endpoints (RFC 7644) at /scim/v2, as Entra ID and Okta provisioning call them.

Authenticated by a SCIM client's own credential (gateway/scim/credentials.py), never by a
practitioner's token; every change is audited (actor `scim:<client>`) and published as the
same directory events the admin API publishes, in one transaction with the change.
"""

from __future__ import annotations

from fastapi import Request, Response
from scim2_models import Context, ListResponse, ResourceType, Schema

from gateway.scim import groups_router, users_router
from gateway.scim.credentials import Caller
from gateway.scim.documented import ScimListBody, ScimResourceBody, answers
from gateway.scim.errors import ScimError, error_responses, not_found, scim_response
from gateway.scim.http import PREFIX, base_url, dump, scim_router
from gateway.scim.resources import RESOURCE_TYPES, schemas, service_provider_config
from services.allowed_methods import allowed_methods, fallback

# Users and Groups are included below, under this prefix and tag.
router = scim_router(PREFIX, tags=["scim"])

# --- discovery -----------------------------------------------------------------------------


@router.get(
    "/ServiceProviderConfig",
    responses={**answers(ScimResourceBody), **error_responses()},
    summary="Service config",
)
async def get_service_provider_config(caller: Caller, request: Request) -> Response:
    """What this SCIM service supports (RFC 7644 5)."""
    config = service_provider_config(f"{base_url(request)}/ServiceProviderConfig")
    return scim_response(dump(config, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/ResourceTypes",
    responses={**answers(ScimListBody), **error_responses()},
    summary="List resource types",
)
async def list_resource_types(caller: Caller) -> Response:
    """The resource types served: User and Group."""
    items = list(RESOURCE_TYPES)
    listing = ListResponse[ResourceType](total_results=len(items), start_index=1, resources=items)
    return scim_response(dump(listing, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/ResourceTypes/{name}",
    responses={**answers(ScimResourceBody), **error_responses(404)},
    summary="Read a resource type",
)
async def get_resource_type(name: str, caller: Caller) -> Response:
    """One resource type."""
    for item in RESOURCE_TYPES:
        if item.id == name:
            return scim_response(dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise not_found("resource type")


@router.get(
    "/Schemas", responses={**answers(ScimListBody), **error_responses()}, summary="List schemas"
)
async def list_schemas(caller: Caller) -> Response:
    """The attributes of each resource this service keeps."""
    items = schemas()
    listing = ListResponse[Schema](total_results=len(items), start_index=1, resources=items)
    return scim_response(dump(listing, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/Schemas/{schema_id}",
    responses={**answers(ScimResourceBody), **error_responses(404)},
    summary="Read a schema",
)
async def get_schema(schema_id: str, caller: Caller) -> Response:
    """One schema."""
    for item in schemas():
        if item.id == schema_id:
            return scim_response(dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise not_found("schema")


router.include_router(users_router.router)
router.include_router(groups_router.router)


@router.post("/.search", include_in_schema=False)
async def search_everything(caller: Caller) -> Response:
    """Not offered: search /Users and /Groups one at a time (RFC 7644 3.4.3 allows this)."""
    raise ScimError(501, "Searching every resource type at once is not supported.")


@router.api_route(
    "/{anything:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
@fallback
async def no_such_endpoint(anything: str, request: Request) -> Response:
    """Anything else under /scim/v2 is a SCIM 404, or 405 for a path served otherwise."""
    # Asked of the routes as the router matches them (Users and Groups are included routers).
    allowed = allowed_methods(router.routes, request.scope)
    if allowed:
        raise ScimError(405, "Method not allowed.", headers={"Allow": ", ".join(allowed)})
    raise ScimError(404, "No such SCIM endpoint.")
