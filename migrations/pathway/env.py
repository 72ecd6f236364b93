"""Alembic environment for the pathway schema."""

from pathway_api.models import SCHEMA, Base
from services.alembic_env import run_env

run_env(Base.metadata, SCHEMA)
