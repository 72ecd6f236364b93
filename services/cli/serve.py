"""`fsm serve <unit>`: one unit in this process, the container's command."""

from __future__ import annotations

import argparse
import os

from services.cli.common import (
    LOOPBACK,
    CliError,
    Verbs,
    app_module,
    module_exists,
    port_number,
    positive_int,
)
from services.registry import GATEWAY, UNITS, unit_named


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve one unit in this process (the container command; `fsm run` starts one per unit)."""
    import uvicorn

    unit = unit_named(args.unit)
    if not module_exists(app_module(unit)):
        raise CliError(f"{app_module(unit)} does not exist")
    if args.metrics_port is not None:
        # The app factory reads its settings from the environment; metrics bind where the app does.
        os.environ["FSM_METRICS_PORT"] = str(args.metrics_port)
        os.environ["FSM_METRICS_HOST"] = args.host
    uvicorn.run(
        unit.app_factory,
        factory=True,
        host=args.host,
        port=args.port or unit.default_port,
        # The kernel's own access log logs route templates; uvicorn's would log raw paths.
        access_log=False,
        # Naming the server software only helps an attacker pick an exploit.
        server_header=False,
        timeout_graceful_shutdown=args.graceful_seconds,
        # Behind the cluster's ingress, X-Forwarded-* is trusted only from these addresses.
        forwarded_allow_ips=args.forwarded_allow_ips,
        # The gateway limits callers by address: it reads X-Forwarded-For itself, from
        # FSM_GATEWAY_TRUSTED_PROXIES only, so uvicorn must hand it the real socket peer.
        proxy_headers=unit is not GATEWAY,
    )
    return 0


def register(verbs: Verbs) -> None:
    """Add `fsm serve`."""
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
        "--metrics-port",
        type=port_number,
        default=None,
        metavar="PORT",
        help="serve Prometheus /metrics on this port, on the same host (default: none)",
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
        help="proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1); the"
        " gateway ignores this and trusts FSM_GATEWAY_TRUSTED_PROXIES instead",
    )
    serve.set_defaults(handler=cmd_serve)
