"""`fsm openapi export`: write every unit's OpenAPI document and the merged one."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from services.cli.common import CliError, Verbs, app_module, echo, module_exists
from services.openapi_merge import merge_documents
from services.registry import GATEWAY, UNITS, Unit


def openapi_document(unit: Unit) -> dict[str, Any]:
    """Build a unit's app (nothing connects at build time) and return its OpenAPI document."""
    module = importlib.import_module(app_module(unit))
    app = module.create_app()
    document: dict[str, Any] = app.openapi()
    return document


def openapi_documents() -> dict[str, dict[str, Any]]:
    """Every unit's document, plus the merged one the gateway serves, keyed by file stem."""
    documents = {unit.name: openapi_document(unit) for unit in UNITS}
    backends = {
        unit.name: (unit.route_prefix, documents[unit.name])
        for unit in UNITS
        if unit.route_prefix is not None
    }
    documents["merged"] = merge_documents(documents[GATEWAY.name], backends)
    return documents


def cmd_openapi_export(args: argparse.Namespace) -> int:
    """Write openapi/<unit>.json and openapi/merged.json, or with --check fail when stale."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    missing = [unit.name for unit in UNITS if not module_exists(app_module(unit))]
    if missing:
        raise CliError(f"cannot export: {', '.join(missing)} not importable")
    failures = 0
    for name, document in openapi_documents().items():
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        target = out / f"{name}.json"
        if args.check:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current != text:
                echo(f"{target}: out of date; run `fsm openapi export`", err=True)
                failures += 1
            continue
        target.write_text(text, encoding="utf-8")
        echo(f"wrote {target}")
    return 1 if failures else 0


def register(verbs: Verbs) -> None:
    """Add `fsm openapi export`."""
    openapi = verbs.add_parser("openapi", help="OpenAPI documents", description="OpenAPI tools.")
    openapi_verbs = openapi.add_subparsers(dest="openapi_verb", required=True, metavar="COMMAND")
    export = openapi_verbs.add_parser(
        "export",
        help="write openapi/<unit>.json for every unit",
        description="Write each app's OpenAPI document as JSON.",
    )
    export.add_argument(
        "--out", type=Path, default=Path("openapi"), metavar="DIR", help="default ./openapi"
    )
    export.add_argument("--check", action="store_true", help="fail if the files are not up to date")
    export.set_defaults(handler=cmd_openapi_export)
