"""The supervision schema's declarative base, its kernel tables and its case projection."""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables
from services.projection import CaseProjection
from services.retention.certificates import define_destruction_table

SCHEMA = "supervision"


class Base(DeclarativeBase):
    """Declarative base for the supervision schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)
# Cases, allocations, practitioners and teams, learned from the workbook's and the directory's
# events; the access rule on them is `projection.visible_case` and its kin.
projection = CaseProjection(Base.metadata)
# Each case the workbook destroyed and this unit tombstoned (services/retention/handler.py).
destructions = define_destruction_table(Base.metadata)

# Every domain's models, imported so their tables register on Base.metadata (and so Alembic
# sees them); naming them in DOMAIN_MODELS keeps the imports from looking unused.
from supervision_api.cadence import models as cadence_models  # noqa: E402
from supervision_api.calendar import models as calendar_models  # noqa: E402
from supervision_api.meetings import models as meetings_models  # noqa: E402
from supervision_api.records import models as records_models  # noqa: E402
from supervision_api.schedule import models as schedule_models  # noqa: E402

DOMAIN_MODELS = (
    cadence_models,
    meetings_models,
    records_models,
    calendar_models,
    schedule_models,
)
