"""The workbook's legal holds, reviews and destruction certificates (the kernel's tables)."""

from services.retention.tables import define_retention_tables
from workbook_api.models import Base

retention = define_retention_tables(Base.metadata)
