"""Families, their members, the relationships between members and members' identifiers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbook_api.models import Base

MEMBER_ROLES = ("child", "parent", "carer", "partner", "other_adult")
RELATIONSHIP_TYPES = ("parent_of", "partner_of", "sibling_of", "carer_of", "other")
IDENTIFIER_SYSTEMS = ("system_of_record", "nhs_number", "upn")
SEX_CODES = ("female", "male", "indeterminate", "not_known")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Family(Base):
    """A household the council works with; registered by (and owned by) one team."""

    __tablename__ = "family"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    owning_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_by_practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    members: Mapped[list[Person]] = relationship(back_populates="family", lazy="raise")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        Index("ix_family_owning_team_id", "owning_team_id"),
        Index("ix_family_created_by_practitioner_id", "created_by_practitioner_id"),
        Index("ix_family_created_at_id", "created_at", "id"),
    )


class Person(Base):
    """A member of a family: a child (born or unborn) or an adult in the household."""

    __tablename__ = "person"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id"))
    role: Mapped[str] = mapped_column(String(32))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    expected_date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str | None] = mapped_column(String(64))
    left_household_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    family: Mapped[Family] = relationship(back_populates="members", lazy="raise")
    identifiers: Mapped[list[PersonIdentifier]] = relationship(
        back_populates="person", lazy="raise", order_by="PersonIdentifier.created_at"
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        Index("ix_person_family_id", "family_id"),
        CheckConstraint(_in("role", MEMBER_ROLES), name="role"),
        CheckConstraint(f"sex IS NULL OR {_in('sex', SEX_CODES)}", name="sex"),
        # An unborn child has an expected date; nobody has both.
        CheckConstraint(
            "date_of_birth IS NULL OR expected_date_of_birth IS NULL", name="one_birth_date"
        ),
    )


class PersonIdentifier(Base):
    """An identifier another system knows a person by; one person per (system, value)."""

    __tablename__ = "person_identifier"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    system: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    person: Mapped[Person] = relationship(back_populates="identifiers", lazy="raise")

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        Index("ix_person_identifier_person_id", "person_id"),
        UniqueConstraint("system", "value"),
        CheckConstraint(_in("system", IDENTIFIER_SYSTEMS), name="system"),
    )


class Relationship(Base):
    """How one member relates to another ("A parent_of B"), with parental responsibility."""

    __tablename__ = "relationship"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    related_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    type: Mapped[str] = mapped_column(String(32))
    parental_responsibility: Mapped[bool] = mapped_column(Boolean)
    ended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        Index("ix_relationship_family_id", "family_id"),
        UniqueConstraint("person_id", "related_person_id", "type"),
        CheckConstraint("person_id <> related_person_id", name="not_self"),
        CheckConstraint(_in("type", RELATIONSHIP_TYPES), name="type"),
        # Parental responsibility is held by a parent or carer, never by a sibling or partner.
        CheckConstraint(
            "NOT parental_responsibility OR type IN ('parent_of', 'carer_of')",
            name="responsibility_needs_parent_or_carer",
        ),
    )
