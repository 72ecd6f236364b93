"""The directory schema's declarative base and the kernel tables it carries."""

from services.db import schema_base
from services.kernel_tables import define_kernel_tables

SCHEMA = "directory"

Base = schema_base(SCHEMA)
kernel = define_kernel_tables(Base.metadata)
