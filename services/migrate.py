"""Apply and check every unit's migrations (the `fsm migrate` verb and the test fixture)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from services.registry import UNITS, Unit


def alembic_config(unit: Unit, database_url: str) -> Config:
    """Build the Alembic configuration for one unit's schema, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(unit.migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def upgrade_all(database_url: str, revision: str = "head") -> None:
    """Bring every schema to `revision`."""
    for unit in UNITS:
        command.upgrade(alembic_config(unit, database_url), revision)


def downgrade_all(database_url: str, revision: str = "base") -> None:
    """Take every schema down to `revision`, last unit first."""
    for unit in reversed(UNITS):
        command.downgrade(alembic_config(unit, database_url), revision)


def check_all(database_url: str) -> None:
    """Raise if any unit's models and migrations disagree."""
    for unit in UNITS:
        command.check(alembic_config(unit, database_url))
