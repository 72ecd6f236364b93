"""Alembic environment for the supervision schema."""

from services.alembic_env import run_env
from supervision_api.models import SCHEMA, Base

run_env(Base.metadata, SCHEMA)
