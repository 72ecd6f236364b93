"""`fsm scim-client`: provisioning credentials for identity providers (SCIM 2.0).

`create NAME [--issuer ISSUER]` prints a new credential once (the directory keeps only its
SHA-256); `revoke NAME` ends it at once; `list` shows every client. `dev-credential` prints
the development credential, refused in production like development tokens. The gateway's
functions are reached by module path: the kernel must not import a service.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from typing import Any, Final

from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.cli.common import (
    CliError,
    Verbs,
    database,
    echo,
    is_production,
    load_settings,
    state_dir_of,
)
from services.settings import async_database_url

CLIENTS_MODULE: Final = "gateway.scim.clients"


async def _in_transaction(url: str, action: str, *args: Any) -> Any:
    clients = importlib.import_module(CLIENTS_MODULE)
    engine = create_async_engine(async_database_url(url), poolclass=pool.NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            return await getattr(clients, action)(session, *args)
    finally:
        await engine.dispose()


def cmd_scim_client(args: argparse.Namespace) -> int:
    """Manage SCIM clients."""
    if args.action == "dev-credential":
        if is_production():
            raise CliError("refusing to print a development credential in production")
        from services.dev_keys import dev_scim_credential, ensure_dev_keys

        echo(dev_scim_credential(ensure_dev_keys(state_dir_of(load_settings()))))
        return 0
    settings = load_settings()
    with database(settings) as url:
        try:
            if args.action == "create":
                secret = asyncio.run(_in_transaction(url, "create_client", args.name, args.issuer))
                echo(secret)
                echo("fsm: shown once; give it to the identity provider's SCIM app", err=True)
            elif args.action == "revoke":
                if not asyncio.run(_in_transaction(url, "revoke_client", args.name)):
                    raise CliError(f"no SCIM client {args.name!r} with a live credential")
                echo(f"revoked {args.name}")
            else:
                for client in asyncio.run(_in_transaction(url, "list_clients")):
                    state = "revoked" if client.revoked_at else "live"
                    echo(f"{client.name}\t{client.issuer or '-'}\t{state}")
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    return 0


def register(verbs: Verbs) -> None:
    """Add `fsm scim-client`."""
    parser = verbs.add_parser(
        "scim-client",
        help="manage identity providers' SCIM provisioning credentials",
        description="Create, list or revoke the credential an identity provider provisions with.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="add a client and print its credential once")
    create.add_argument("name", help="the identity provider's name, e.g. entra")
    create.add_argument(
        "--issuer",
        default=None,
        help="the FSM_AUTH_ISSUERS name whose naming claim this client sends as externalId"
        " (e.g. entra:<tenant id>), so provisioned people can sign in",
    )
    revoke = actions.add_parser("revoke", help="end a client's credential at once")
    revoke.add_argument("name")
    actions.add_parser("list", help="list the clients")
    actions.add_parser("dev-credential", help="print the development credential (not production)")
    parser.set_defaults(handler=cmd_scim_client)
