"""The intervention schema's declarative base, its kernel tables and its case projection."""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables
from services.projection import CaseProjection
from services.retention.certificates import define_destruction_table

SCHEMA = "intervention"


class Base(DeclarativeBase):
    """Declarative base for the intervention schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)
# Cases, allocations, practitioners and teams, learned from the workbook's and the directory's
# events; the access rule on them is `projection.visible_case` and its kin.
projection = CaseProjection(Base.metadata)
# Each case the workbook destroyed and this unit tombstoned (services/retention/handler.py).
destructions = define_destruction_table(Base.metadata)

# Every domain's models, imported so their tables register on Base.metadata (and so Alembic
# sees them); naming them in DOMAIN_MODELS keeps the imports from looking unused.
from intervention_api.assessments import models as assessments_models  # noqa: E402
from intervention_api.enrolments import models as enrolments_models  # noqa: E402
from intervention_api.practice import models as practice_models  # noqa: E402
from intervention_api.programmes import models as programmes_models  # noqa: E402
from intervention_api.sessions import models as sessions_models  # noqa: E402

DOMAIN_MODELS = (
    assessments_models,
    enrolments_models,
    practice_models,
    programmes_models,
    sessions_models,
)
