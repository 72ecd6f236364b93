"""SCIM Groups (RFC 7644 3): the teams an identity provider provisions, with their members."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request, Response
from scim2_models import Context, PatchOp

from gateway.scim import groups
from gateway.scim.credentials import Caller
from gateway.scim.documented import ScimListBody, ScimResourceBody, answers
from gateway.scim.errors import error_responses, scim_response
from gateway.scim.http import (
    Attributes,
    Excluded,
    ListParameters,
    ScimBody,
    base_url,
    dump,
    listing,
    response_parameters,
    scim_router,
)
from gateway.scim.provisioning import audit_change, principals
from gateway.scim.resources import POLICY, TeamGroup
from services.unit_of_work import DbSession

router = scim_router()


async def _group(
    request: Request, session: DbSession, caller: Caller, row: groups.Row
) -> TeamGroup:
    members = await groups.members_of(session, caller, [row[0].id])
    base = base_url(request)
    return groups.to_resource(
        row, members.get(row[0].id, []), f"{base}/Groups/{row[0].id}", f"{base}/Users"
    )


@router.get(
    "/Groups",
    responses={**answers(ScimListBody), **error_responses(400)},
    summary="List provisioned groups",
)
async def list_scim_groups(
    caller: Caller, session: DbSession, request: Request, query: ListParameters
) -> Response:
    """The teams this client provisioned, filtered (`displayName eq "..."`)."""
    total, rows = await groups.list_groups(session, caller, query.filter, query.start, query.size)
    members = await groups.members_of(session, caller, [team.id for team, _ in rows])
    base = base_url(request)
    resources = [
        groups.to_resource(
            row, members.get(row[0].id, []), f"{base}/Groups/{row[0].id}", f"{base}/Users"
        )
        for row in rows
    ]
    return listing(TeamGroup, query, total, resources)


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
        dump(resource, Context.RESOURCE_CREATION_RESPONSE), 201, {"Location": str(location)}
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
    parameters = response_parameters(TeamGroup, attributes, excluded_attributes)
    row = await groups.get_group(session, caller, group_id)
    resource = await _group(request, session, caller, row)
    return scim_response(dump(resource, Context.RESOURCE_QUERY_RESPONSE, parameters))


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
    return scim_response(dump(await _group(request, session, caller, row), context))


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
