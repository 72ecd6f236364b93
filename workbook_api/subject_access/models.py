"""Subject access requests, their export jobs, what was found, proposed redactions, bundles and
disclosures.

An export is a snapshot: the records found about the subject are copied into
`subject_access_item` when it runs, so the reviewer's marks refer to text that cannot change
under them, and the bundle disclosed is exactly what was reviewed. A bundle's bytes are kept
with their SHA-256, so a disclosure names precisely what left the council.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base

SAR_STATUSES = ("open", "disclosed", "withdrawn")
EXPORT_STATUSES = ("queued", "running", "in_review", "bundling", "bundled", "failed")
REDACTION_REASONS = (
    "family_member",
    "member_of_public",
    "other_persons_restricted_detail",
    "reviewer",
    "withdrawn_in_error",
)
# Whether an item is part of the record, a draft not yet part of it, or withdrawn in error.
RECORD_STATUSES = ("final", "draft", "withdrawn")
REDACTION_DECISIONS = ("proposed", "confirmed", "removed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SubjectAccessRequest(Base):
    """A request by or for a data subject (a person on the record) for what we hold about them.

    Due one calendar month after receipt; extendable once, by up to two further months, with
    the reason recorded (UK GDPR Art 12(3)).
    """

    __tablename__ = "subject_access_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id"))
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_relationship: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    extended_due_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    registered_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    registered_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("status", SAR_STATUSES), name="status"),
        CheckConstraint(
            "(extended_due_on IS NULL) = (extension_reason IS NULL)", name="extension_has_reason"
        ),
        CheckConstraint("extended_due_on IS NULL OR extended_due_on > due_on", name="extends"),
        Index("ix_subject_access_request_person_id", "person_id"),
        Index("ix_subject_access_request_created_at_id", "created_at", "id"),
    )


class SubjectAccessExport(Base):
    """A job gathering everything held about the subject, in the background, with progress."""

    __tablename__ = "subject_access_export"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_request.id"))
    status: Mapped[str] = mapped_column(String(16))
    # Records other units hold, read as the DPO when the export was started (their tokens
    # live a minute, so they cannot wait for the job).
    remote_records: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    cases_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    cases_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    items_found: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    failure: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bundle_requested_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("status", EXPORT_STATUSES), name="status"),
        Index("ix_subject_access_export_request_id", "request_id"),
        Index(
            "ix_subject_access_export_queue",
            "created_at",
            postgresql_where=text("status IN ('queued', 'running', 'bundling')"),
        ),
    )


class SubjectAccessItem(Base):
    """One record found about the subject, as it stood when the export ran.

    `sections` is a list of `{"label", "text"}`: what the bundle prints, in order.
    """

    __tablename__ = "subject_access_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_export.id"))
    position: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(200))
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    record_status: Mapped[str] = mapped_column(String(16), server_default=text("'final'"))

    __table_args__ = (
        UniqueConstraint("export_id", "position"),
        CheckConstraint(_in("record_status", RECORD_STATUSES), name="record_status"),
    )


class SubjectAccessRedaction(Base):
    """A span of an item's section proposed for redaction, and the reviewer's decision."""

    __tablename__ = "subject_access_redaction"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_export.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_item.id"))
    section: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    # Whose information it is, when known (a family member, a person named).
    third_party: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("reason", REDACTION_REASONS), name="reason"),
        CheckConstraint(_in("decision", REDACTION_DECISIONS), name="decision"),
        CheckConstraint('0 <= start AND start < "end"', name="span"),
        Index("ix_subject_access_redaction_export_id", "export_id", "item_id", "section"),
    )


class SubjectAccessBundle(Base):
    """The disclosure bundle produced from a reviewed export: the PDF and the JSON, as sent."""

    __tablename__ = "subject_access_bundle"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    export_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subject_access_export.id"), unique=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    json_document: Mapped[bytes] = mapped_column(LargeBinary)
    json_sha256: Mapped[str] = mapped_column(String(64))
    items: Mapped[int] = mapped_column(Integer)
    redactions: Mapped[int] = mapped_column(Integer)
    produced_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    produced_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __mapper_args__ = {"eager_defaults": True}


class SubjectAccessDisclosure(Base):
    """What was disclosed (the bundle's hashes), to whom, when, how and by whom."""

    __tablename__ = "subject_access_disclosure"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_request.id"))
    bundle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject_access_bundle.id"))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    json_sha256: Mapped[str] = mapped_column(String(64))
    disclosed_to: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(32))
    disclosed_on: Mapped[date] = mapped_column(Date)
    disclosed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    disclosed_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        Index("ix_subject_access_disclosure_request_id", "request_id"),
        CheckConstraint(_in("method", ("post", "secure_email", "in_person")), name="method"),
    )
