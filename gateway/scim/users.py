"""SCIM Users: practitioners a SCIM client provisioned, read and changed through the directory.

A User is a practitioner: `id` is the practitioner's id, `userName` their directory subject
(so development tokens reach them by it), `displayName`, the work email, `active`. New ones
take the configured default discipline until an administrator sets theirs. `externalId` is
what the client calls them; when the client is bound to a trusted issuer, it is also how that
issuer's tokens name them (Entra: map objectId to externalId). A client sees and changes only
the users it provisioned. `active=false` (Entra's leaver) deactivates at once: the change
notifies every gateway replica and is published to the services as a directory event.
Deleting a User deactivates the practitioner and forgets the link; their records stay.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import events
from gateway.directory.administrators import ADMINISTRATOR
from gateway.directory.models import Practitioner, PractitionerIdentity, ScimUser
from gateway.scim.credentials import ScimCaller
from gateway.scim.errors import not_found
from gateway.scim.filters import Column, filter_clause
from gateway.scim.provisioning import conflict, invalid_value
from gateway.scim.resources import EmailType, PractitionerUser, WorkEmail

log = logging.getLogger(__name__)

_EMAIL: Final = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_TEXT: Final = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
_USER_NAME: Final = re.compile(r"^[^\s\x00-\x1f\x7f]{1,255}$")
_EXTERNAL_ID: Final = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")

COLUMNS: Final = {
    "id": Column(Practitioner.id, case_exact=True),
    "userName": Column(ScimUser.user_name),
    "externalId": Column(ScimUser.external_id, case_exact=True),
    "displayName": Column(Practitioner.display_name),
    "active": Column(Practitioner.active, boolean=True),
    "emails.value": Column(Practitioner.email),
}

Row = tuple[Practitioner, ScimUser]


def to_resource(row: Row, location: str) -> PractitionerUser:
    """The practitioner as a SCIM User."""
    practitioner, link = row
    from scim2_models import Meta

    return PractitionerUser(
        id=str(practitioner.id),
        external_id=link.external_id,
        user_name=link.user_name,
        display_name=practitioner.display_name,
        emails=[WorkEmail(value=practitioner.email, type=EmailType.work)]
        if practitioner.email
        else None,
        active=practitioner.active,
        meta=Meta(
            resource_type="User",
            created=link.created_at,
            last_modified=practitioner.updated_at,
            location=location,
            version=f'W/"{practitioner.version}"',
        ),
    )


def _visible(caller: ScimCaller) -> Any:
    return select(Practitioner, ScimUser).join(
        ScimUser,
        (ScimUser.practitioner_id == Practitioner.id) & (ScimUser.client == caller.name),
    )


async def get_user(session: AsyncSession, caller: ScimCaller, user_id: str) -> Row:
    """The user with this id, if this client provisioned them; 404 otherwise."""
    try:
        practitioner_id = uuid.UUID(user_id)
    except ValueError:
        raise not_found("User") from None
    row = (
        await session.execute(
            _visible(caller).where(Practitioner.id == practitioner_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise not_found("User")
    return row[0], row[1]


async def list_users(
    session: AsyncSession, caller: ScimCaller, filter_text: str | None, start: int, count: int
) -> tuple[int, Sequence[Row]]:
    """The total matching and one page of them, oldest first."""
    condition = filter_clause(filter_text, COLUMNS)
    total = await session.scalar(
        select(func.count()).select_from(_visible(caller).where(condition).subquery())
    )
    rows = (
        await session.execute(
            _visible(caller)
            .where(condition)
            .order_by(ScimUser.created_at, ScimUser.practitioner_id)
            .offset(start - 1)
            .limit(count)
        )
    ).all()
    return int(total or 0), [(p, link) for p, link in rows]


def _clean(desired: PractitionerUser) -> dict[str, Any]:
    user_name = (desired.user_name or "").strip()
    if not _USER_NAME.match(user_name):
        raise invalid_value("userName must be 1-255 printable characters without spaces.")
    display_name = (desired.display_name or user_name).strip()
    if not _TEXT.match(display_name):
        raise invalid_value("displayName must be 1-200 printable characters.")
    email = None
    for entry in desired.emails or ():
        if entry.value:
            email = entry.value.strip().lower()
            if len(email) > 254 or not _EMAIL.fullmatch(email):
                raise invalid_value("emails.value is not an email address.")
            break
    external_id = desired.external_id
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        raise invalid_value("externalId must be 1-255 printable characters.")
    return {
        "user_name": user_name,
        "display_name": display_name,
        "email": email,
        "external_id": external_id,
        "active": desired.active,
    }


async def _refuse_taken(
    session: AsyncSession, caller: ScimCaller, user_name: str, except_id: uuid.UUID | None
) -> None:
    clash = select(Practitioner.id).where(
        (Practitioner.subject == user_name)
        | Practitioner.id.in_(
            select(ScimUser.practitioner_id).where(
                ScimUser.client == caller.name,
                func.lower(ScimUser.user_name) == user_name.lower(),
            )
        )
    )
    if except_id is not None:
        clash = clash.where(Practitioner.id != except_id)
    if await session.scalar(clash.limit(1)) is not None:
        raise conflict("Another practitioner already has this userName.")


async def _link_identity(
    session: AsyncSession, caller: ScimCaller, practitioner_id: uuid.UUID, value: str | None
) -> None:
    if caller.issuer is None:
        return
    await session.execute(
        delete(PractitionerIdentity).where(
            PractitionerIdentity.practitioner_id == practitioner_id,
            PractitionerIdentity.issuer == caller.issuer,
        )
    )
    if value is None:
        return
    taken = await session.scalar(
        select(PractitionerIdentity.practitioner_id).where(
            PractitionerIdentity.issuer == caller.issuer, PractitionerIdentity.value == value
        )
    )
    if taken is not None:
        raise conflict("Another practitioner already has this externalId.")
    session.add(
        PractitionerIdentity(
            id=uuid.uuid4(), practitioner_id=practitioner_id, issuer=caller.issuer, value=value
        )
    )


async def create_user(
    session: AsyncSession, caller: ScimCaller, desired: PractitionerUser, discipline: str
) -> Row:
    """Provision a practitioner."""
    values = _clean(desired)
    await _refuse_taken(session, caller, values["user_name"], None)
    practitioner = Practitioner(
        id=uuid.uuid4(),
        subject=values["user_name"],
        display_name=values["display_name"],
        email=values["email"],
        discipline_code=discipline,
        roles=["practitioner"],
        active=values["active"] is not False,
    )
    session.add(practitioner)
    await session.flush()
    link = ScimUser(
        practitioner_id=practitioner.id,
        client=caller.name,
        user_name=values["user_name"],
        external_id=values["external_id"],
    )
    session.add(link)
    await _link_identity(session, caller, practitioner.id, values["external_id"])
    await session.flush()
    await events.practitioner_changed(session, practitioner)
    return practitioner, link


async def update_user(
    session: AsyncSession, caller: ScimCaller, row: Row, desired: PractitionerUser
) -> list[str]:
    """Make the practitioner what the client now says; return the attributes that changed."""
    practitioner, link = row
    values = _clean(desired)
    changed: list[str] = []
    if values["user_name"] != link.user_name:
        await _refuse_taken(session, caller, values["user_name"], practitioner.id)
        link.user_name = practitioner.subject = values["user_name"]
        changed.append("userName")
    if values["external_id"] != link.external_id:
        link.external_id = values["external_id"]
        await _link_identity(session, caller, practitioner.id, values["external_id"])
        changed.append("externalId")
    for attribute, column in (("displayName", "display_name"), ("emails", "email")):
        key = "display_name" if column == "display_name" else "email"
        if getattr(practitioner, column) != values[key]:
            setattr(practitioner, column, values[key])
            changed.append(attribute)
    if values["active"] is not None and values["active"] != practitioner.active:
        _set_active(practitioner, values["active"], caller)
        changed.append("active")
    if changed:
        practitioner.updated_at = datetime.now(UTC)
        await session.flush()
        await events.practitioner_changed(session, practitioner)
    return changed


def _set_active(practitioner: Practitioner, active: bool, caller: ScimCaller) -> None:
    # A leaver's access ends even when they were the last active administrator: the identity
    # provider no longer lets them sign in anyway, and keeping their record "active" would
    # only hide that the directory needs a new administrator.
    if not active and ADMINISTRATOR in practitioner.roles:
        log.warning(
            "SCIM client %s deactivated an administrator; check the directory still has one",
            caller.name,
        )
    practitioner.active = active


async def delete_user(session: AsyncSession, caller: ScimCaller, row: Row) -> None:
    """Deactivate the practitioner and forget the client's link (records stay)."""
    practitioner, link = row
    if practitioner.active:
        _set_active(practitioner, False, caller)
        practitioner.updated_at = datetime.now(UTC)
    await _link_identity(session, caller, practitioner.id, None)
    await session.delete(link)
    await session.flush()
    await events.practitioner_changed(session, practitioner)
