"""`fsm retention destroy`: the only way a record is destroyed, by an operator, after review.

One unit decides destruction, the one holding legal holds and the DPO's reviews (the
workbook): it offers it as `<package>.retention.destruction` (`destroy_with`), and the command
finds it by the registry's package name, so the kernel names no unit. The other units destroy
their copies when the deciding unit's `case.destroyed` event reaches them
(`<package>.retention.copies`), so there is nothing to choose: the command takes no unit. A
refusal (open, not yet due, under legal hold, not reviewed, kept by the review) exits 1 with its
reason and changes nothing; a destruction prints its certificate.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from typing import Any
from uuid import UUID

from services.cli.common import CliError, Verbs, database, echo, load_settings, module_exists
from services.errors import ProblemError
from services.registry import BACKENDS, unit_named


def destruction_module(unit_name: str) -> str:
    """The module a unit's destruction lives in."""
    return f"{unit_named(unit_name).package}.retention.destruction"


def units_with_destruction() -> list[str]:
    """The units that decide destruction (one: the record holding holds and reviews)."""
    return [unit.name for unit in BACKENDS if module_exists(destruction_module(unit.name))]


def deciding_unit() -> str:
    """The one unit whose destruction the command runs."""
    units = units_with_destruction()
    if len(units) != 1:
        raise CliError(f"exactly one unit must decide destruction; found {units or 'none'}")
    return units[0]


async def _destroy(url: str, unit_name: str, case_id: UUID, operator: str) -> Any:
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from services.settings import async_database_url

    module = importlib.import_module(destruction_module(unit_name))
    engine = create_async_engine(async_database_url(url), poolclass=pool.NullPool)
    try:
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        return await module.destroy_with(sessionmaker, load_settings(), case_id, operator)
    finally:
        await engine.dispose()


def cmd_retention_destroy(args: argparse.Namespace) -> int:
    """Destroy a reviewed case's narrative, leaving tombstones and a certificate."""
    try:
        case_id = UUID(args.case)
    except ValueError as exc:
        raise CliError(f"{args.case!r} is not a case id") from exc
    with database(load_settings()) as url:
        try:
            certificate = asyncio.run(_destroy(url, deciding_unit(), case_id, args.operator))
        except ProblemError as refused:
            echo(f"fsm: nothing destroyed: {refused.detail}", err=True)
            return 1
    echo(certificate.describe())
    return 0


def register(verbs: Verbs) -> None:
    """Add `fsm retention destroy`."""
    retention = verbs.add_parser(
        "retention",
        help="retention of records",
        description="Retention of records under the council's schedule.",
    )
    retention_verbs = retention.add_subparsers(
        dest="retention_verb", required=True, metavar="COMMAND"
    )
    destroy = retention_verbs.add_parser(
        "destroy",
        help="destroy a case reviewed for destruction",
        description=(
            "Destroy what people wrote on a closed case whose retention ran out, after the data"
            " protection officer's review decided so, never while a legal hold stands. Narrative"
            " is replaced by tombstones naming the certificate printed here; ids, times and the"
            " audit log stay. Every other unit tombstones its own copies when the destruction's"
            " event reaches it."
        ),
    )
    destroy.add_argument("--case", required=True, metavar="CASE_ID", help="the case to destroy")
    destroy.add_argument(
        "--operator", required=True, help="who runs the command (recorded on the certificate)"
    )
    destroy.set_defaults(handler=cmd_retention_destroy)
