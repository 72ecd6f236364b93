"""Alembic environment for the workbook schema."""

from workbook_api.models import SCHEMA, Base
from services.alembic_env import run_env

run_env(Base.metadata, SCHEMA)
