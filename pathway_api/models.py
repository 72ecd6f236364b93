"""The pathway schema's declarative base, its kernel tables and its case projection."""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables
from services.projection import CaseProjection

SCHEMA = "pathway"


class Base(DeclarativeBase):
    """Declarative base for the pathway schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)
# Cases (early help and Family Safeguarding), allocations (an early help case's lead
# practitioner and Team Around the Family), practitioners and teams, learned from the
# workbook's and the directory's events; the access rule on them is `projection.visible_case`.
projection = CaseProjection(Base.metadata)
