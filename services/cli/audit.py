"""`fsm audit verify`: recompute every schema's audit hash chain."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from services.cli.common import Verbs, database, echo, load_settings


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute every schema's audit hash chain; exit 1 at the first broken link."""
    from services.audit import Anchor, verify_all

    anchors: dict[str, Anchor] = {}
    if args.anchors is not None and args.anchors.exists():
        recorded = json.loads(args.anchors.read_text(encoding="utf-8"))
        anchors = {schema: Anchor(int(a["seq"]), str(a["hash"])) for schema, a in recorded.items()}
    with database(load_settings()) as url:
        reports = asyncio.run(verify_all(url, anchors=anchors))
    broken = False
    for schema, report in sorted(reports.items()):
        if report.first_broken_seq is None:
            echo(f"{schema}: ok ({report.checked} records, head {report.head_hash})")
        else:
            broken = True
            echo(
                f"{schema}: BROKEN at seq {report.first_broken_seq}"
                f" ({report.reason or 'hash mismatch'}; {report.checked} records checked)"
            )
    if args.record is not None and not broken:
        heads = {
            schema: {"seq": report.checked, "hash": report.head_hash}
            for schema, report in sorted(reports.items())
            if report.checked
        }
        args.record.write_text(json.dumps(heads, indent=2) + "\n", encoding="utf-8")
        echo(f"recorded the chain heads in {args.record}; keep it outside the database")
    return 1 if broken else 0


def register(verbs: Verbs) -> None:
    """Add `fsm audit verify`."""
    audit = verbs.add_parser("audit", help="audit log tools", description="Audit log tools.")
    audit_verbs = audit.add_subparsers(dest="audit_verb", required=True, metavar="COMMAND")
    verify = audit_verbs.add_parser(
        "verify",
        help="verify every schema's hash chain",
        description="Recompute each schema's audit hash chain; exit 1 at the first broken link.",
    )
    verify.add_argument(
        "--anchors",
        type=Path,
        metavar="FILE",
        help="also check the chain heads recorded earlier with --record (detects a cut-off tail)",
    )
    verify.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="after a clean check, write each schema's head (seq and hash) to FILE",
    )
    verify.set_defaults(handler=cmd_audit_verify)
