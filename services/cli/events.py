"""`fsm events catch-up --to <unit>`: the unit's publishers restate their records to it alone."""

from __future__ import annotations

import argparse
import asyncio

from services.cli.common import Verbs, database, echo, load_settings
from services.registry import unit_named
from services.subscriptions import receivers


def cmd_events_catch_up(args: argparse.Namespace) -> int:
    """Write every publisher's current records, addressed to one receiver, to its outbox."""
    from services.projection.catch_up import catch_up

    receiver = unit_named(args.to)
    with database(load_settings()) as url:
        results = asyncio.run(catch_up(url, receiver))
    for result in results:
        echo(f"{result.publisher} -> {receiver.name}: {result.announced} restated; {result.note}")
    return 0


def register(verbs: Verbs) -> None:
    """Add `fsm events catch-up`."""
    events = verbs.add_parser(
        "events", help="events between units", description="Events between units."
    )
    event_verbs = events.add_subparsers(dest="events_verb", required=True, metavar="COMMAND")
    catch_up = event_verbs.add_parser(
        "catch-up",
        help="have a unit's publishers restate their records to it",
        description=(
            "Bring a unit's projections up to date (a new deployment, or a projection lost):"
            " every unit that publishes to it writes each record it holds, as it stands, to its"
            " own outbox addressed to that unit alone; its relay delivers them, and the unit"
            " keeps what is newer than what it has. Safe to repeat."
        ),
    )
    catch_up.add_argument(
        "--to",
        required=True,
        choices=sorted(receivers()),
        metavar="UNIT",
        help=f"the unit to catch up ({', '.join(sorted(receivers()))})",
    )
    catch_up.set_defaults(handler=cmd_events_catch_up)
