"""SCIM 2.0 endpoints (RFC 7644) at /scim/v2, as Entra ID and Okta provisioning call them.

Authenticated by a SCIM client's own credential (gateway/scim/credentials.py), never by a
practitioner's token; every change is audited (actor `scim:<client>`) and published as the
same directory events the admin API publishes, in one transaction with the change.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.routing import APIRoute
from scim2_models import (
    Context,
    ListResponse,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
)

from gateway.scim import groups, users
from gateway.scim.credentials import Caller
from gateway.scim.documented import ScimListBody, ScimResourceBody, answers
from gateway.scim.errors import (
    SCIM_MEDIA_TYPE,
    ScimError,
    ScimJsonResponse,
    ScimRoute,
    error_responses,
    not_found,
    scim_response,
)
from gateway.scim.provisioning import audit_change, page_bounds, principals
from gateway.scim.resources import (
    MAX_RESULTS,
    POLICY,
    RESOURCE_TYPES,
    PractitionerUser,
    TeamGroup,
    schemas,
    service_provider_config,
)
from services.allowed_methods import fallback
from services.unit_of_work import DbSession

PREFIX = "/scim/v2"
router = APIRouter(
    prefix=PREFIX,
    tags=["scim"],
    route_class=ScimRoute,
    default_response_class=ScimJsonResponse,
)

ScimBody = Annotated[dict[str, Any], Body(media_type=SCIM_MEDIA_TYPE)]
Filter = Annotated[str | None, Query(description="A SCIM filter (RFC 7644 3.4.2.2)")]
StartIndex = Annotated[int | None, Query(alias="startIndex", description="1-based")]
Count = Annotated[int | None, Query(description=f"At most {MAX_RESULTS}")]
Attributes = Annotated[str | None, Query(description="Attributes to return")]
Excluded = Annotated[str | None, Query(alias="excludedAttributes")]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _parameters(model: Any, attributes: str | None, excluded: str | None) -> Any:
    if attributes is None and excluded is None:
        return None
    return ResponseParameters[model].model_validate(
        {"attributes": attributes, "excludedAttributes": excluded}
    )


def _dump(resource: Any, context: Context, parameters: Any = None) -> dict[str, Any]:
    dumped: dict[str, Any] = resource.model_dump(
        scim_ctx=context, response_parameters=parameters, scim_policy=POLICY
    )
    return dumped


# --- discovery -----------------------------------------------------------------------------


@router.get(
    "/ServiceProviderConfig",
    responses={**answers(ScimResourceBody), **error_responses()},
    summary="Service config",
)
async def get_service_provider_config(caller: Caller, request: Request) -> Response:
    """What this SCIM service supports (RFC 7644 5)."""
    config = service_provider_config(f"{_base(request)}/ServiceProviderConfig")
    return scim_response(_dump(config, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/ResourceTypes",
    responses={**answers(ScimListBody), **error_responses()},
    summary="List resource types",
)
async def list_resource_types(caller: Caller) -> Response:
    """The resource types served: User and Group."""
    items = list(RESOURCE_TYPES)
    listing = ListResponse[ResourceType](total_results=len(items), start_index=1, resources=items)
    return scim_response(_dump(listing, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/ResourceTypes/{name}",
    responses={**answers(ScimResourceBody), **error_responses(404)},
    summary="Read a resource type",
)
async def get_resource_type(name: str, caller: Caller) -> Response:
    """One resource type."""
    for item in RESOURCE_TYPES:
        if item.id == name:
            return scim_response(_dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise not_found("resource type")


@router.get(
    "/Schemas", responses={**answers(ScimListBody), **error_responses()}, summary="List schemas"
)
async def list_schemas(caller: Caller) -> Response:
    """The attributes of each resource this service keeps."""
    items = schemas()
    listing = ListResponse[Schema](total_results=len(items), start_index=1, resources=items)
    return scim_response(_dump(listing, Context.RESOURCE_QUERY_RESPONSE))


@router.get(
    "/Schemas/{schema_id}",
    responses={**answers(ScimResourceBody), **error_responses(404)},
    summary="Read a schema",
)
async def get_schema(schema_id: str, caller: Caller) -> Response:
    """One schema."""
    for item in schemas():
        if item.id == schema_id:
            return scim_response(_dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise not_found("schema")


# --- users ---------------------------------------------------------------------------------


def _user(request: Request, row: users.Row) -> PractitionerUser:
    return users.to_resource(row, f"{_base(request)}/Users/{row[0].id}")


@router.get(
    "/Users",
    responses={**answers(ScimListBody), **error_responses(400)},
    summary="List provisioned users",
)
async def list_scim_users(
    caller: Caller,
    session: DbSession,
    request: Request,
    filter: Filter = None,
    start_index: StartIndex = None,
    count: Count = None,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    """The users this client provisioned, filtered (`userName eq "..."`, `externalId eq ...`)."""
    start, size = page_bounds(start_index, count, MAX_RESULTS)
    parameters = _parameters(PractitionerUser, attributes, excluded_attributes)
    total, rows = await users.list_users(session, caller, filter, start, size)
    listing = ListResponse[PractitionerUser](
        total_results=total,
        start_index=start,
        items_per_page=len(rows),
        resources=[_user(request, row) for row in rows],
    )
    return scim_response(_dump(listing, Context.SEARCH_RESPONSE, parameters))


@router.post(
    "/Users",
    status_code=201,
    responses={**answers(ScimResourceBody, 201), **error_responses(400, 409)},
    summary="Provision a user",
)
async def create_scim_user(
    body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Provision a practitioner."""
    desired = PractitionerUser.model_validate(
        body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    discipline = request.app.state.settings.scim_default_discipline
    row = await users.create_user(session, caller, desired, discipline)
    await audit_change(
        request, session, caller, "created", "practitioner", row[0].id, discipline=discipline
    )
    resource = _user(request, row)
    location = resource.meta.location if resource.meta else None
    return scim_response(
        _dump(resource, Context.RESOURCE_CREATION_RESPONSE),
        201,
        {"Location": str(location)},
    )


@router.get(
    "/Users/{user_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404)},
    summary="Read a user",
)
async def get_scim_user(
    user_id: str,
    caller: Caller,
    session: DbSession,
    request: Request,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    """One user this client provisioned."""
    parameters = _parameters(PractitionerUser, attributes, excluded_attributes)
    row = await users.get_user(session, caller, user_id)
    return scim_response(_dump(_user(request, row), Context.RESOURCE_QUERY_RESPONSE, parameters))


async def _save_user(
    request: Request,
    session: DbSession,
    caller: Caller,
    row: users.Row,
    desired: PractitionerUser,
    context: Context,
) -> Response:
    changed = await users.update_user(session, caller, row, desired)
    if changed:
        action = "updated"
        if changed == ["active"]:
            action = "activated" if row[0].active else "deactivated"
        await audit_change(
            request, session, caller, action, "practitioner", row[0].id, fields=changed
        )
        principals(request).forget_practitioner(row[0].id)
    return scim_response(_dump(_user(request, row), context))


@router.put(
    "/Users/{user_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404, 409)},
    summary="Replace a user",
)
async def replace_scim_user(
    user_id: str, body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Replace what the directory keeps of a user."""
    row = await users.get_user(session, caller, user_id)
    desired = PractitionerUser.model_validate(
        body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    desired.replace(_user(request, row))
    return await _save_user(
        request, session, caller, row, desired, Context.RESOURCE_REPLACEMENT_RESPONSE
    )


@router.patch(
    "/Users/{user_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404, 409)},
    summary="Change a user",
)
async def patch_scim_user(
    user_id: str, body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Change a user (Entra: `replace active false` when someone leaves)."""
    row = await users.get_user(session, caller, user_id)
    patch = PatchOp[PractitionerUser].model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    desired = _user(request, row)
    patch.patch(desired, scim_policy=POLICY)
    return await _save_user(request, session, caller, row, desired, Context.RESOURCE_PATCH_RESPONSE)


@router.delete(
    "/Users/{user_id}", status_code=204, responses=error_responses(404), summary="Remove a user"
)
async def delete_scim_user(
    user_id: str, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Deactivate the practitioner and stop provisioning them (their records stay)."""
    row = await users.get_user(session, caller, user_id)
    await users.delete_user(session, caller, row)
    await audit_change(request, session, caller, "deleted", "practitioner", row[0].id)
    principals(request).forget_practitioner(row[0].id)
    return Response(status_code=204)


# --- groups --------------------------------------------------------------------------------


async def _group(
    request: Request, session: DbSession, caller: Caller, row: groups.Row
) -> TeamGroup:
    members = await groups.members_of(session, caller, [row[0].id])
    base = _base(request)
    return groups.to_resource(
        row, members.get(row[0].id, []), f"{base}/Groups/{row[0].id}", f"{base}/Users"
    )


@router.get(
    "/Groups",
    responses={**answers(ScimListBody), **error_responses(400)},
    summary="List provisioned groups",
)
async def list_scim_groups(
    caller: Caller,
    session: DbSession,
    request: Request,
    filter: Filter = None,
    start_index: StartIndex = None,
    count: Count = None,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    """The teams this client provisioned, filtered (`displayName eq "..."`)."""
    start, size = page_bounds(start_index, count, MAX_RESULTS)
    parameters = _parameters(TeamGroup, attributes, excluded_attributes)
    total, rows = await groups.list_groups(session, caller, filter, start, size)
    members = await groups.members_of(session, caller, [team.id for team, _ in rows])
    base = _base(request)
    resources = [
        groups.to_resource(
            row, members.get(row[0].id, []), f"{base}/Groups/{row[0].id}", f"{base}/Users"
        )
        for row in rows
    ]
    listing = ListResponse[TeamGroup](
        total_results=total, start_index=start, items_per_page=len(rows), resources=resources
    )
    return scim_response(_dump(listing, Context.SEARCH_RESPONSE, parameters))


@router.post(
    "/Groups",
    status_code=201,
    responses={**answers(ScimResourceBody, 201), **error_responses(400, 409)},
    summary="Provision a group",
)
async def create_scim_group(
    body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Provision a team and its members."""
    desired = TeamGroup.model_validate(
        body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    row = await groups.create_group(session, caller, desired)
    await audit_change(request, session, caller, "created", "team", row[0].id)
    resource = await _group(request, session, caller, row)
    for member in resource.members or ():
        principals(request).forget_practitioner(UUID(str(member.value)))
    location = resource.meta.location if resource.meta else None
    return scim_response(
        _dump(resource, Context.RESOURCE_CREATION_RESPONSE), 201, {"Location": str(location)}
    )


@router.get(
    "/Groups/{group_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404)},
    summary="Read a group",
)
async def get_scim_group(
    group_id: str,
    caller: Caller,
    session: DbSession,
    request: Request,
    attributes: Attributes = None,
    excluded_attributes: Excluded = None,
) -> Response:
    """One team this client provisioned, with its members."""
    parameters = _parameters(TeamGroup, attributes, excluded_attributes)
    row = await groups.get_group(session, caller, group_id)
    resource = await _group(request, session, caller, row)
    return scim_response(_dump(resource, Context.RESOURCE_QUERY_RESPONSE, parameters))


async def _save_group(
    request: Request,
    session: DbSession,
    caller: Caller,
    row: groups.Row,
    desired: TeamGroup,
    context: Context,
) -> Response:
    changed, touched = await groups.update_group(session, caller, row, desired)
    if changed:
        await audit_change(request, session, caller, "updated", "team", row[0].id, fields=changed)
        for practitioner_id in touched:
            principals(request).forget_practitioner(practitioner_id)
    return scim_response(_dump(await _group(request, session, caller, row), context))


@router.put(
    "/Groups/{group_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404, 409)},
    summary="Replace a group",
)
async def replace_scim_group(
    group_id: str, body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Replace a team's name and members."""
    row = await groups.get_group(session, caller, group_id)
    desired = TeamGroup.model_validate(
        body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    desired.replace(await _group(request, session, caller, row))
    return await _save_group(
        request, session, caller, row, desired, Context.RESOURCE_REPLACEMENT_RESPONSE
    )


@router.patch(
    "/Groups/{group_id}",
    responses={**answers(ScimResourceBody), **error_responses(400, 404, 409)},
    summary="Change a group",
)
async def patch_scim_group(
    group_id: str, body: ScimBody, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Change a team (Entra adds and removes members one PATCH at a time)."""
    row = await groups.get_group(session, caller, group_id)
    patch = PatchOp[TeamGroup].model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    desired = await _group(request, session, caller, row)
    patch.patch(desired, scim_policy=POLICY)
    return await _save_group(
        request, session, caller, row, desired, Context.RESOURCE_PATCH_RESPONSE
    )


@router.delete(
    "/Groups/{group_id}", status_code=204, responses=error_responses(404), summary="Remove a group"
)
async def delete_scim_group(
    group_id: str, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Deactivate the team and stop provisioning it."""
    row = await groups.get_group(session, caller, group_id)
    await groups.delete_group(session, row)
    await audit_change(request, session, caller, "deleted", "team", row[0].id)
    principals(request).forget_all()
    return Response(status_code=204)


# Answered, but not in the document: it describes what this service offers, and a 501 is not
# an offer (ServiceProviderConfig says the same to SCIM clients).
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
    allowed: set[str] = set()
    for route in router.routes:
        if (
            isinstance(route, APIRoute)
            and "{anything" not in route.path
            and route.path_regex.match(request.url.path)
        ):
            allowed |= route.methods or set()
    if allowed:
        raise ScimError(405, "Method not allowed.", headers={"Allow": ", ".join(sorted(allowed))})
    raise ScimError(404, "No such SCIM endpoint.")
