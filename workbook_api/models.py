"""The workbook schema's declarative base, the kernel tables, and every domain's models.

Alembic's env imports this module, so each domain's models module is imported at the bottom:
a model that is not imported here is invisible to `alembic check`.
"""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables

SCHEMA = "workbook"


class Base(DeclarativeBase):
    """Declarative base for the workbook schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)

# Every domain's models, imported so their tables register on Base.metadata (and so Alembic
# sees them); naming them in DOMAIN_MODELS keeps the imports from looking unused.
from workbook_api.access import models as access_models  # noqa: E402
from workbook_api.cases import models as cases_models  # noqa: E402
from workbook_api.chronology import models as chronology_models  # noqa: E402
from workbook_api.entries import models as entries_models  # noqa: E402
from workbook_api.external import models as external_models  # noqa: E402
from workbook_api.families import models as families_models  # noqa: E402
from workbook_api.imports import models as imports_models  # noqa: E402
from workbook_api.practitioners import models as practitioners_models  # noqa: E402
from workbook_api.retention import models as retention_models  # noqa: E402
from workbook_api.subject_access import models as subject_access_models  # noqa: E402
from workbook_api.sync import models as sync_models  # noqa: E402

DOMAIN_MODELS = (
    access_models,
    cases_models,
    families_models,
    entries_models,
    chronology_models,
    practitioners_models,
    sync_models,
    external_models,
    imports_models,
    retention_models,
    subject_access_models,
)
