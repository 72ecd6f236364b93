"""Alembic environment for the workbook schema."""

from services.alembic_env import run_env
from workbook_api.models import SCHEMA, Base

run_env(Base.metadata, SCHEMA)
