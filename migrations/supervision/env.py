"""Alembic environment for the supervision schema."""

from supervision_api.models import SCHEMA, Base
from services.alembic_env import run_env

run_env(Base.metadata, SCHEMA)
