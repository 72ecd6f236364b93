"""The pathway schema's declarative base, its kernel tables and its case projection."""

from sqlalchemy.orm import DeclarativeBase

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables
from services.projection import CaseProjection
from services.retention.certificates import define_destruction_table

SCHEMA = "pathway"


class Base(DeclarativeBase):
    """Declarative base for the pathway schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)
# Cases (early help and Family Safeguarding), allocations (an early help case's lead
# practitioner and Team Around the Family), practitioners and teams, learned from the
# workbook's and the directory's events; the access rule on them is `projection.visible_case`.
projection = CaseProjection(Base.metadata)
# Each case the workbook destroyed and this unit tombstoned (services/retention/handler.py).
destructions = define_destruction_table(Base.metadata)

# Every domain's models, imported so their tables register on Base.metadata (and Alembic sees
# them); naming them in DOMAIN_MODELS keeps the imports from looking unused.
from pathway_api.claims.ledger import models as claim_ledger_models  # noqa: E402
from pathway_api.claims.readiness import models as claim_readiness_models  # noqa: E402
from pathway_api.claims.settings import models as claim_settings_models  # noqa: E402
from pathway_api.configuration import models as configuration_models  # noqa: E402
from pathway_api.levels import models as levels_models  # noqa: E402
from pathway_api.lifecycle import models as lifecycle_models  # noqa: E402
from pathway_api.outcomes import models as outcomes_models  # noqa: E402
from pathway_api.plans import models as plans_models  # noqa: E402
from pathway_api.transfers import models as transfers_models  # noqa: E402

DOMAIN_MODELS = (
    configuration_models,
    levels_models,
    lifecycle_models,
    outcomes_models,
    plans_models,
    transfers_models,
    claim_settings_models,
    claim_readiness_models,
    claim_ledger_models,
)
