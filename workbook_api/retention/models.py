"""The workbook's legal holds, reviews and destruction certificates (the kernel's tables), and
its retention classifications: a case's record kept longer because a child on it became looked
after or was adopted (the workbook holds the people, so the table is its own)."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from services.retention.tables import define_retention_tables
from workbook_api.models import Base

retention = define_retention_tables(Base.metadata)

classifications = Table(
    "retention_classification",
    Base.metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("safeguarding_case.id"), nullable=False),
    # The child who became looked after or was adopted (a child of the case's family).
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    # When the child became looked after, or the adoption order's day.
    Column("effective_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", UUID(as_uuid=True), nullable=False),
    Column("recorded_by_name", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A withdrawn classification stays on record, with who withdrew it and why.
    Column("withdrawn_by", UUID(as_uuid=True), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdraw_reason", Text, nullable=True),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("kind IN ('looked_after', 'adoption')", name="kind"),
    CheckConstraint(
        "(withdrawn_at IS NULL AND withdrawn_by IS NULL AND withdraw_reason IS NULL)"
        " OR (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL"
        " AND withdraw_reason IS NOT NULL)",
        name="withdrawn_fields",
    ),
    Index("ix_retention_classification_case_id", "case_id"),
    Index("ix_retention_classification_person_id", "person_id"),
)
