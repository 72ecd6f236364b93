"""`fsm audit verify` and `fsm audit seal`: check every schema's audit hash chain, seal it now."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta
from pathlib import Path

from services.cli.common import Verbs, database, echo, load_settings


def _pending(unsealed: int, age: timedelta | None) -> str:
    if not unsealed or age is None:
        return ""
    return f"; {unsealed} not sealed yet, oldest {age.total_seconds():.1f} s"


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute every schema's audit hash chain; exit 1 at a broken link or a stalled sealer."""
    from services.audit_chain import Anchor, verify_all
    from services.sealer_settings import SealerSettings

    anchors: dict[str, Anchor] = {}
    if args.anchors is not None and args.anchors.exists():
        recorded = json.loads(args.anchors.read_text(encoding="utf-8"))
        anchors = {schema: Anchor(int(a["seq"]), str(a["hash"])) for schema, a in recorded.items()}
    with database(load_settings()) as url:
        reports = asyncio.run(verify_all(url, anchors=anchors))
    stale_seconds = args.stale_after or SealerSettings().stale_after_seconds
    stale_after = timedelta(seconds=stale_seconds)
    failed = False
    for schema, report in sorted(reports.items()):
        pending = _pending(report.unsealed, report.oldest_unsealed_age)
        if report.first_broken_seq is not None:
            failed = True
            echo(
                f"{schema}: BROKEN at seq {report.first_broken_seq}"
                f" ({report.reason or 'hash mismatch'}; {report.checked} records checked)"
            )
        elif report.stale(stale_after):
            failed = True
            echo(
                f"{schema}: STALE ({report.checked} records chained{pending}, over"
                f" {stale_seconds:g} s: is a service's audit sealer running?)"
            )
        else:
            echo(f"{schema}: ok ({report.checked} records, head {report.head_hash}{pending})")
    if args.record is not None and not failed:
        heads = {
            schema: {"seq": report.checked, "hash": report.head_hash}
            for schema, report in sorted(reports.items())
            if report.checked
        }
        args.record.write_text(json.dumps(heads, indent=2) + "\n", encoding="utf-8")
        echo(f"recorded the chain heads in {args.record}; keep it outside the database")
    return 1 if failed else 0


def cmd_audit_seal(args: argparse.Namespace) -> int:
    """Seal every schema's committed, not yet sealed audit rows now."""
    from services.audit_sealer import seal_all

    with database(load_settings()) as url:
        sealed = asyncio.run(seal_all(url))
    for schema, count in sorted(sealed.items()):
        echo(f"{schema}: sealed {count} records")
    return 0


def register(verbs: Verbs) -> None:
    """Add `fsm audit verify` and `fsm audit seal`."""
    audit = verbs.add_parser("audit", help="audit log tools", description="Audit log tools.")
    audit_verbs = audit.add_subparsers(dest="audit_verb", required=True, metavar="COMMAND")
    verify = audit_verbs.add_parser(
        "verify",
        help="verify every schema's hash chain",
        description=(
            "Recompute each schema's audit hash chain; exit 1 at the first broken link, or when"
            " a committed record has waited too long to be sealed."
        ),
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
    verify.add_argument(
        "--stale-after",
        type=float,
        metavar="SECONDS",
        help=(
            "fail when a record has waited longer than this to be sealed"
            " (default FSM_AUDIT_SEALER_STALE_AFTER_SECONDS, 300)"
        ),
    )
    verify.set_defaults(handler=cmd_audit_verify)
    seal = audit_verbs.add_parser(
        "seal",
        help="seal pending audit records now",
        description=(
            "Give every committed, not yet sealed audit record its place in its schema's chain"
            " (the services do this continuously; use it when none is running)."
        ),
    )
    seal.set_defaults(handler=cmd_audit_seal)
