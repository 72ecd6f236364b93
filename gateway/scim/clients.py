"""Create, list and revoke SCIM clients, one per identity provider (`fsm scim-client`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.models import ScimClient
from gateway.scim.credentials import DEVELOPMENT_CLIENT, new_credential

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"


async def create_client(session: AsyncSession, name: str, issuer: str | None) -> str:
    """Add a client; return its credential (shown once: only its digest is kept)."""
    if not re.match(NAME_PATTERN, name) or name == DEVELOPMENT_CLIENT:
        raise ValueError(f"a client name is lower-case letters, digits, . _ - (not {name!r})")
    if await session.scalar(select(ScimClient.id).where(ScimClient.name == name)) is not None:
        raise ValueError(f"there is already a SCIM client named {name!r}")
    secret, digest = new_credential()
    session.add(ScimClient(id=uuid.uuid4(), name=name, issuer=issuer, credential_sha256=digest))
    await session.flush()
    return secret


async def revoke_client(session: AsyncSession, name: str) -> bool:
    """Revoke a client's credential at once; tell whether there was one to revoke."""
    client = await session.scalar(
        select(ScimClient).where(ScimClient.name == name, ScimClient.revoked_at.is_(None))
    )
    if client is None:
        return False
    client.revoked_at = datetime.now(UTC)
    await session.flush()
    return True


async def list_clients(session: AsyncSession) -> Sequence[ScimClient]:
    """Every client, by name."""
    return (await session.scalars(select(ScimClient).order_by(ScimClient.name))).all()
