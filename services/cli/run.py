"""`fsm run`: the whole stack on this machine, for development and demonstration."""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from secrets import token_bytes
from typing import Any, Final

from services.cli.common import (
    LOOPBACK,
    CliError,
    Verbs,
    app_module,
    echo,
    is_production,
    load_settings,
    module_exists,
    port_number,
    state_dir_of,
    supervised_database,
)
from services.cli.schema import seed_demo_data
from services.delegation import callees_of
from services.registry import BACKENDS, GATEWAY, UNITS, Unit
from services.subscriptions import receivers, relay_subscribers

UPSTREAM_ENV_PREFIX: Final = "FSM_GATEWAY_UPSTREAM_"  # GatewaySettings.gateway_upstream_<name>
DEMO_SUBJECTS_MODULE: Final = "gateway.directory.demo"


@dataclass(frozen=True)
class Planned:
    """One unit `fsm run` will start, and where."""

    unit: Unit
    port: int
    metrics_port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def plan_units(
    ports: Mapping[str, int], metrics_ports: Mapping[str, int | None] | None = None
) -> tuple[list[Planned], list[Unit]]:
    """Split the registry into units whose app module exists (with ports) and missing ones."""
    planned: list[Planned] = []
    missing: list[Unit] = []
    for unit in UNITS:
        if module_exists(app_module(unit)):
            metrics_port = (metrics_ports or {}).get(unit.name) or unit.default_metrics_port
            planned.append(Planned(unit, ports.get(unit.name) or unit.default_port, metrics_port))
        else:
            missing.append(unit)
    return planned, missing


def event_secrets() -> dict[str, str]:
    """A fresh inbox secret per receiving unit, for this run only (never written anywhere)."""
    return {name: "whsec_" + base64.b64encode(token_bytes(32)).decode() for name in receivers()}


def child_environment(
    planned: Planned,
    everything: Sequence[Planned],
    url: str,
    state_dir: Path,
    secrets: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables one unit's process needs: database, keys, upstreams, event subscriptions."""
    env = {
        "DATABASE_URL": url,
        "FSM_STATE_DIR": str(state_dir),
        "FSM_ENVIRONMENT": "development",
    }
    if secrets is not None:
        base_urls = {p.unit.name: p.base_url for p in everything}
        subscribers = relay_subscribers(planned.unit, base_urls, secrets)
        if subscribers:
            env["FSM_RELAY_SUBSCRIBERS"] = json.dumps(subscribers)
        if planned.unit.name in secrets:
            env["FSM_INBOX_SECRETS"] = json.dumps([secrets[planned.unit.name]])
    callees = callees_of(planned.unit.name)
    if callees:
        env["FSM_UNIT_URLS"] = json.dumps(
            {p.unit.name: p.base_url for p in everything if p.unit.name in callees}
        )
    if planned.metrics_port is not None:
        env["FSM_METRICS_PORT"] = str(planned.metrics_port)
        env["FSM_METRICS_HOST"] = LOOPBACK
    if planned.unit is GATEWAY:
        for other in everything:
            if other.unit is not GATEWAY:
                env[UPSTREAM_ENV_PREFIX + other.unit.name.upper()] = other.base_url
    return env


def uvicorn_argv(planned: Planned) -> list[str]:
    """The command that serves one unit."""
    # The gateway limits callers by address and reads X-Forwarded-For itself (from its
    # trusted proxies only): uvicorn must not rewrite the socket peer for it.
    proxy_headers = ["--no-proxy-headers"] if planned.unit is GATEWAY else []
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
        # Naming the server software only helps an attacker pick an exploit.
        "--no-server-header",
        "--timeout-graceful-shutdown",
        "5",
        *proxy_headers,
    ]


def demo_subjects() -> list[tuple[str, str]]:
    """The demo practitioners' subjects (and a description when given) from the gateway."""
    if not module_exists(DEMO_SUBJECTS_MODULE):
        return []
    subjects: Any = getattr(importlib.import_module(DEMO_SUBJECTS_MODULE), "DEMO_SUBJECTS", ())
    if isinstance(subjects, Mapping):
        return [(str(key), str(value)) for key, value in subjects.items()]
    return [(str(subject), "") for subject in subjects]


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
    metrics = [f"{p.unit.name} {p.metrics_port}" for p in planned if p.metrics_port is not None]
    if metrics:
        echo(f"  Metrics:           http://{LOOPBACK}:<port>/metrics ({', '.join(metrics)})")
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
        echo("Provision practitioners as an identity provider would (SCIM 2.0, README):")
        echo(
            '  curl -H "Authorization: Bearer $(.venv/bin/fsm scim-client dev-credential)"'
            f" {gateway.base_url}/scim/v2/Users"
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
    metrics_ports = {unit.name: getattr(args, f"{unit.name}_metrics_port") for unit in UNITS}
    planned, missing = plan_units(ports, metrics_ports)
    if not any(p.unit in BACKENDS for p in planned):
        raise CliError("no service app modules found; is the project installed?")
    for unit in missing:
        echo(
            f"fsm: {unit.name} is missing ({app_module(unit)} does not exist); not starting it",
            err=True,
        )
    try:
        check_ports_free(
            {p.unit.name: (LOOPBACK, p.port) for p in planned}
            | {
                f"{p.unit.name}-metrics": (LOOPBACK, p.metrics_port)
                for p in planned
                if p.metrics_port is not None
            }
        )
    except PortInUse as exc:
        raise CliError(f"{exc}; stop what holds it or pass --{exc.name}-port") from exc

    state_dir = state_dir_of(settings)
    from services.dev_keys import ensure_dev_keys
    from services.migrate import upgrade_all

    ensure_dev_keys(state_dir)
    secrets = event_secrets()
    # The embedded database, when there is one, is its first child; the services come next.
    supervisor = Supervisor([], stop_timeout=args.stop_timeout)
    try:
        with supervised_database(settings, supervisor, args.ready_timeout) as url:
            echo("fsm: applying migrations", err=True)
            upgrade_all(url)
            echo("fsm: loading demo data", err=True)
            seed_demo_data(url)
            supervisor.add(
                [
                    ChildSpec(
                        name=p.unit.name,
                        argv=uvicorn_argv(p),
                        env=child_environment(p, planned, url, state_dir, secrets),
                        ready_url=f"{p.base_url}/readyz",
                    )
                    for p in planned
                ]
            )
            restore = supervisor.install_signal_handlers()
            try:
                supervisor.start()
                try:
                    supervisor.wait_ready(args.ready_timeout)
                except SupervisorError as exc:
                    supervisor.say(f"{exc}; stopping")
                    return 1
                if not supervisor.stopping:
                    print_banner(planned, missing, settings.database_url is None)
                return supervisor.supervise()
            finally:
                restore()
    except SupervisorError as exc:
        raise CliError(str(exc)) from exc
    finally:
        supervisor.stop()
        echo("fsm: stopped", err=True)


def register(verbs: Verbs) -> None:
    """Add `fsm run`."""
    run = verbs.add_parser(
        "run",
        help="run the whole stack locally",
        description=(
            "Start the database, apply migrations, load demo data, then run the services "
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
            f"--{unit.name}-metrics-port",
            type=port_number,
            default=None,
            metavar="PORT",
            help=f"Prometheus /metrics port for {unit.name} (default {unit.default_metrics_port})",
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
