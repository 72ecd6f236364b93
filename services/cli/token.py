"""`fsm token`: a development access token from the local identity provider key."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import Final

from services.cli.common import (
    CliError,
    Verbs,
    echo,
    is_production,
    load_settings,
    module_exists,
    positive_int,
    state_dir_of,
)

GATEWAY_SETTINGS_MODULE: Final = "gateway.settings"
# Fallbacks only; the gateway's own defaults win when it is installed.
DEFAULT_DEV_ISSUER: Final = "fsm-dev-idp"
DEFAULT_AUDIENCE: Final = "fsm-api"
MAX_DEV_TOKEN_TTL_SECONDS: Final = 24 * 3600


def dev_token_issuer_and_audience() -> tuple[str, str]:
    """The issuer and audience the gateway accepts for development tokens.

    The same FSM_AUTH_* variables configure both, so a token minted in a shell matches a
    gateway started from it; unset, both fall back to the gateway's defaults.
    """
    issuer_default, audience_default = DEFAULT_DEV_ISSUER, DEFAULT_AUDIENCE
    if module_exists(GATEWAY_SETTINGS_MODULE):
        gateway_settings = importlib.import_module(GATEWAY_SETTINGS_MODULE)
        issuer_default = str(getattr(gateway_settings, "DEV_ISSUER_DEFAULT", issuer_default))
        audience_default = str(getattr(gateway_settings, "AUDIENCE_DEFAULT", audience_default))
    issuer = os.environ.get("FSM_AUTH_DEV_ISSUER") or issuer_default
    audience = os.environ.get("FSM_AUTH_AUDIENCE") or audience_default
    return issuer, audience


def cmd_token(args: argparse.Namespace) -> int:
    """Print a development access token for a subject."""
    if is_production():
        raise CliError("refusing to mint development tokens when FSM_ENVIRONMENT=production")
    settings = load_settings()
    from services.dev_keys import ensure_dev_keys, mint_dev_access_token

    keys = ensure_dev_keys(state_dir_of(settings))
    issuer, audience = dev_token_issuer_and_audience()
    token = mint_dev_access_token(
        keys, subject=args.sub, issuer=issuer, audience=audience, ttl_seconds=args.ttl
    )
    echo(token)
    return 0


def ttl_seconds(text: str) -> int:
    """argparse type: a development token lifetime, capped at a day."""
    value = positive_int(text)
    if value > MAX_DEV_TOKEN_TTL_SECONDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_DEV_TOKEN_TTL_SECONDS} seconds")
    return value


def register(verbs: Verbs) -> None:
    """Add `fsm token`."""
    token = verbs.add_parser(
        "token",
        help="print a development access token",
        description=(
            "Print an access token signed by the local development identity provider key "
            "(created on first use). Refused when FSM_ENVIRONMENT=production."
        ),
    )
    token.add_argument("--sub", required=True, metavar="SUBJECT", help="the token's subject")
    token.add_argument(
        "--ttl",
        type=ttl_seconds,
        default=3600,
        metavar="SECONDS",
        help="lifetime in seconds (default 3600, at most a day)",
    )
    token.set_defaults(handler=cmd_token)
