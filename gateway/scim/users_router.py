"""SCIM Users (RFC 7644 3): the practitioners an identity provider provisions."""

from __future__ import annotations

from fastapi import Request, Response
from scim2_models import Context, PatchOp

from gateway.scim import users
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
from gateway.scim.resources import POLICY, PractitionerUser
from services.unit_of_work import DbSession

router = scim_router()


def _user(request: Request, row: users.Row) -> PractitionerUser:
    return users.to_resource(row, f"{base_url(request)}/Users/{row[0].id}")


@router.get(
    "/Users",
    responses={**answers(ScimListBody), **error_responses(400)},
    summary="List provisioned users",
)
async def list_scim_users(
    caller: Caller, session: DbSession, request: Request, query: ListParameters
) -> Response:
    """The users this client provisioned, filtered (`userName eq "..."`, `externalId eq ...`)."""
    total, rows = await users.list_users(session, caller, query.filter, query.start, query.size)
    return listing(PractitionerUser, query, total, [_user(request, row) for row in rows])


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
        dump(resource, Context.RESOURCE_CREATION_RESPONSE),
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
    parameters = response_parameters(PractitionerUser, attributes, excluded_attributes)
    row = await users.get_user(session, caller, user_id)
    return scim_response(dump(_user(request, row), Context.RESOURCE_QUERY_RESPONSE, parameters))


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
    return scim_response(dump(_user(request, row), context))


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
