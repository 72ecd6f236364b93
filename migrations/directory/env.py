"""Alembic environment for the directory schema."""

from gateway.directory.models import SCHEMA, Base
from services.alembic_env import run_env

run_env(Base.metadata, SCHEMA)
