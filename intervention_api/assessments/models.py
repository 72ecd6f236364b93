"""Parenting assessments: versions of one document per series, its sections, evidence, decisions.

A series is one parenting assessment of a case; each version is a row of `parenting_assessment`
sharing the series' id. A version is written as a draft, submitted, then signed off by a
manager or returned (back to draft, with the manager's comments kept as a transition). A
signed-off version never changes again: a later view of the family is a new version that
supersedes it (`supersedes_id`), and every version stays readable.

Evidence is a reference, never a copy: what kind of record it is (`kind`), its id in the unit
that owns it, and a label of ids, types and dates taken when it was linked. The record's words
stay where they were written, under that unit's access rules.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from intervention_api.models import Base

STATUSES = ("draft", "submitted", "signed_off")
# Workbook entries (checked with the workbook as the caller) and this unit's programme sessions.
EVIDENCE_KINDS = ("workbook_entry", "programme_session")
TRANSITIONS = ("submitted", "returned", "signed_off", "superseded")

TITLE_MAX = 200
HEADING_MAX = 120
ANALYSIS_MAX = 50_000
COMMENT_MAX = 4_000
LABEL_MAX = 300


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Assessment(Base):
    """One version of a parenting assessment."""

    __tablename__ = "parenting_assessment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # The first version's id: every version of one assessment carries it.
    series_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("parenting_assessment.id"), unique=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    signed_off_by_name: Mapped[str | None] = mapped_column(String(200))
    sign_off_comment: Mapped[str | None] = mapped_column(Text)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("series_id", "number"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"char_length(title) <= {TITLE_MAX}", name="title_length"),
        CheckConstraint(
            "(status = 'signed_off') = "
            "(signed_off_at IS NOT NULL AND signed_off_by_id IS NOT NULL)",
            name="signed_off_fields",
        ),
        CheckConstraint("superseded_at IS NULL OR status = 'signed_off'", name="superseded_signed"),
        CheckConstraint("(number = 1) = (supersedes_id IS NULL)", name="first_supersedes_none"),
        Index("ix_parenting_assessment_case_id_created_at", "case_id", "created_at", "id"),
    )


class AssessmentSection(Base):
    """One section of a version: its heading and the author's analysis."""

    __tablename__ = "parenting_assessment_section"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parenting_assessment.id"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    heading: Mapped[str] = mapped_column(Text)
    analysis: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_parenting_assessment_section_assessment_id", "assessment_id"),
        UniqueConstraint("assessment_id", "key"),
        UniqueConstraint("assessment_id", "position"),
        CheckConstraint(f"char_length(heading) <= {HEADING_MAX}", name="heading_length"),
        CheckConstraint(f"char_length(analysis) <= {ANALYSIS_MAX}", name="analysis_length"),
    )


class AssessmentEvidence(Base):
    """A record a section rests on, by reference."""

    __tablename__ = "parenting_assessment_evidence"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parenting_assessment_section.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # Ids, types and dates only (`home_visit by social_worker`): never what the record says.
    label: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    linked_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_parenting_assessment_evidence_section_id", "section_id"),
        UniqueConstraint("section_id", "kind", "ref_id"),
        UniqueConstraint("section_id", "position"),
        CheckConstraint(_in("kind", EVIDENCE_KINDS), name="kind"),
        CheckConstraint(f"char_length(label) <= {LABEL_MAX}", name="label_length"),
    )


class AssessmentTransition(Base):
    """A step of a version's lifecycle: who submitted, returned (why), signed off, superseded."""

    __tablename__ = "parenting_assessment_transition"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parenting_assessment.id"))
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_parenting_assessment_transition_assessment_id", "assessment_id"),
        CheckConstraint(_in("action", TRANSITIONS), name="action"),
        CheckConstraint(f"char_length(comment) <= {COMMENT_MAX}", name="comment_length"),
        # A return without its comments would tell the author nothing.
        CheckConstraint("action <> 'returned' OR comment IS NOT NULL", name="returned_comment"),
    )
