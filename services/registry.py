"""The deployable units, named once: the CLI, migrations and the gateway's routes read this."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"
# Each unit's Prometheus port is 91xx, xx being the last two digits of its own port.
METRICS_PORT_BASE = 9100


@dataclass(frozen=True)
class Unit:
    """One process the system runs, with the schema it owns."""

    name: str
    package: str
    schema: str
    default_port: int
    route_prefix: str | None  # the gateway path prefix routed to it; None for the gateway itself

    @property
    def app_factory(self) -> str:
        return f"{self.package}.app:create_app"

    @property
    def migrations_dir(self) -> Path:
        return MIGRATIONS_ROOT / self.schema

    @property
    def default_metrics_port(self) -> int:
        """Where the unit serves `/metrics`: 9100 for the gateway (8000), 9101 for 8101, ..."""
        return METRICS_PORT_BASE + self.default_port % 100


GATEWAY = Unit("gateway", "gateway", "directory", 8000, None)
WORKBOOK = Unit("workbook", "workbook_api", "workbook", 8101, "/workbook")
SUPERVISION = Unit("supervision", "supervision_api", "supervision", 8102, "/supervision")
INTERVENTION = Unit("intervention", "intervention_api", "intervention", 8103, "/interventions")
PATHWAY = Unit("pathway", "pathway_api", "pathway", 8104, "/pathway")

UNITS: tuple[Unit, ...] = (GATEWAY, WORKBOOK, SUPERVISION, INTERVENTION, PATHWAY)
BACKENDS: tuple[Unit, ...] = (WORKBOOK, SUPERVISION, INTERVENTION, PATHWAY)


def unit_named(name: str) -> Unit:
    """Look a unit up by name."""
    for unit in UNITS:
        if unit.name == name:
            return unit
    raise KeyError(name)
