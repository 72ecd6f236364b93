"""`fsm processing records`: the records of processing, generated from the code (Markdown or
JSON); exits 1 when a table has no category, so a release cannot ship one unexplained."""

from __future__ import annotations

import argparse
import json

from services.cli.common import Verbs, echo, load_settings


def cmd_processing_records(args: argparse.Namespace) -> int:
    """Print the records of processing."""
    from services.processing.document import build, load_units, markdown

    document = build(load_units(), load_settings())
    if args.format == "json":
        echo(json.dumps(document, indent=2))
    else:
        echo(markdown(document).rstrip("\n"))
    return 1 if document["uncategorised_tables"] else 0


def register(verbs: Verbs) -> None:
    """Add `fsm processing records`."""
    processing = verbs.add_parser(
        "processing",
        help="records of processing",
        description="What personal data the system holds, by category, and why.",
    )
    processing_verbs = processing.add_subparsers(
        dest="processing_verb", required=True, metavar="COMMAND"
    )
    records = processing_verbs.add_parser(
        "records",
        help="print the records of processing (UK GDPR Art 30)",
        description=(
            "Every table of every unit by category, with its data subjects, lawful basis and"
            " retention, the access purposes and the retention schedule: generated from the"
            " code's own tables and configuration, so it cannot drift."
        ),
    )
    records.add_argument("--format", choices=("markdown", "json"), default="markdown")
    records.set_defaults(handler=cmd_processing_records)
