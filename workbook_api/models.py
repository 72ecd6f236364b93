"""The workbook schema's declarative base, the kernel tables, and every domain's models.

Alembic's env imports this module, so each domain's models module is imported at the bottom:
a model that is not imported here is invisible to `alembic check`.
"""

from services.db import schema_base
from services.kernel_tables import define_kernel_tables

SCHEMA = "workbook"

Base = schema_base(SCHEMA)
kernel = define_kernel_tables(Base.metadata)

# Imported for their side effect of registering tables on Base.metadata.
import workbook_api.access.models  # noqa: E402, F401
import workbook_api.cases.models  # noqa: E402, F401
import workbook_api.families.models  # noqa: E402, F401
