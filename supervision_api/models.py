"""The supervision schema's declarative base and the kernel tables it carries."""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables

SCHEMA = "supervision"


class Base(DeclarativeBase):
    """Declarative base for the supervision schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)
