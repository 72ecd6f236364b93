"""Import jobs, the files they read, and the rows they could not take."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base

IMPORT_KINDS = ("families", "people", "cases", "allocations")
IMPORT_FORMATS = ("csv", "ndjson")
IMPORT_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ImportJob(Base):
    """One extract file being imported (or checked, when `dry_run`) in the background.

    `rows_done` is the job's committed cursor: each chunk of rows, its effects, its errors and
    the cursor commit in one transaction, so a job resumed after a restart starts exactly
    where the last commit left it and never applies a row twice. The runner holding the job
    renews `lease_expires_at` with every chunk; a lease that runs out (its process died) lets
    any replica's runner take the job over.
    """

    __tablename__ = "import_job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    system: Mapped[str] = mapped_column(String(32))
    file_format: Mapped[str] = mapped_column(String(8))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    records_created: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    records_updated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    records_unchanged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    records_linked: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    records_for_review: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    rows_failed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Why the job as a whole stopped (an unreadable file), in words for a person.
    failure: Mapped[str | None] = mapped_column(String(500))
    # Who asked (the principal the job acts as, for its records and its audit rows), the
    # request that asked and its declared purpose.
    requested_by: Mapped[dict[str, Any]] = mapped_column(JSONB)
    request_id: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(64))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("kind", IMPORT_KINDS), name="kind"),
        CheckConstraint(_in("file_format", IMPORT_FORMATS), name="file_format"),
        CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),
        CheckConstraint("rows_done >= 0", name="rows_done_positive"),
        CheckConstraint(
            f"(finished_at IS NOT NULL) = ({_in('status', FINISHED_STATUSES)})",
            name="finished_when_done",
        ),
        Index("ix_import_job_created_at_id", "created_at", "id"),
        # The runners' claim: only unfinished jobs, however many finished ones pile up.
        Index(
            "ix_import_job_unfinished",
            "created_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )


class ImportFile(Base):
    """The bytes of a job's file as uploaded (gzip stays gzip), read again on every resume."""

    __tablename__ = "import_file"

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_job.id"), primary_key=True)
    content_encoding: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint("content_encoding IN ('identity', 'gzip')", name="content_encoding"),
    )


class ImportRowError(Base):
    """One thing wrong with one row of a job's file: where (row and column) and why."""

    __tablename__ = "import_row_error"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_job.id"))
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500))

    __table_args__ = (Index("ix_import_row_error_job_id_row_id", "job_id", "row", "id"),)
