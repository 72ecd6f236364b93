"""Who is provisioning: a SCIM client, known by its own bearer credential (never a user token).

Each identity provider gets a credential of its own (`fsmscim_...`, 256 random bits), shown
once when an administrator creates it; the directory keeps only its SHA-256, which is enough
for a secret that long and lets a lookup be one indexed query. Outside production, the
development credential (derived from the development keys, `fsm scim-credential`) names the
`development` client. Failures count against the caller's address like failed sign-ins.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Request
from sqlalchemy import select

from gateway.authn import InvalidToken, MissingToken, bearer_token
from gateway.directory.models import ScimClient
from gateway.runtime import GatewayRuntime
from gateway.scim.errors import ScimError
from services.dev_keys import dev_scim_credential, load_dev_keys
from services.unit_of_work import database_reach

PREFIX: Final = "fsmscim_"
DEVELOPMENT_CLIENT: Final = "development"


@dataclass(frozen=True, slots=True)
class ScimCaller:
    """The SCIM client a request comes from."""

    name: str
    # The trusted issuer whose naming claim this client sends as externalId, if any.
    issuer: str | None

    @property
    def actor(self) -> str:
        """How the audit log names this client."""
        return f"scim:{self.name}"


def new_credential() -> tuple[str, bytes]:
    """A fresh credential and the digest the directory keeps of it."""
    secret = PREFIX + secrets.token_urlsafe(32)
    return secret, digest(secret)


def digest(secret: str) -> bytes:
    """The SHA-256 the directory keeps of a credential."""
    return hashlib.sha256(secret.encode("ascii")).digest()


def _unauthorized(detail: str) -> ScimError:
    return ScimError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="fsm-scim"'})


def _development_credential(request: Request) -> str | None:
    settings = request.app.state.settings
    if settings.environment == "production":
        return None
    cached: str | None = getattr(request.app.state, "dev_scim_credential", None)
    if cached is None:
        cached = dev_scim_credential(load_dev_keys(settings.state_dir))
        request.app.state.dev_scim_credential = cached
    return cached


async def scim_caller(request: Request) -> ScimCaller:
    """Authenticate the SCIM client; raise a SCIM 401 (or 429) otherwise.

    Anything that is not one of our credentials is refused before the database is asked.
    """
    runtime: GatewayRuntime = request.app.state.gateway
    runtime.failures.check_limit(request.scope)  # a 429 problem, answered as a SCIM error
    try:
        secret = bearer_token(request.scope["headers"])
    except (MissingToken, InvalidToken) as refused:
        runtime.failures.refuse_other_credential(request.scope, f"scim_{refused.reason}")
        raise _unauthorized("A SCIM provisioning credential is required.") from None
    development = _development_credential(request)
    if development is not None and hmac.compare_digest(secret, development):
        return ScimCaller(DEVELOPMENT_CLIENT, None)
    if secret.startswith(PREFIX):
        async with request.app.state.sessionmaker() as session:
            await database_reach(request).connect(session)  # 503 in time if it hangs
            client = await session.scalar(
                select(ScimClient).where(
                    ScimClient.credential_sha256 == digest(secret), ScimClient.revoked_at.is_(None)
                )
            )
        if client is not None:
            return ScimCaller(client.name, client.issuer)
    runtime.failures.refuse_other_credential(request.scope, "scim_unknown_credential")
    raise _unauthorized("The SCIM provisioning credential is not valid.")


Caller = Annotated[ScimCaller, Depends(scim_caller)]
