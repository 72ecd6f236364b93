"""The practitioner directory: disciplines, teams, practitioners and their team memberships."""

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
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.db import schema_metadata
from services.kernel_tables import define_kernel_tables

SCHEMA = "directory"
ROLE_IN_TEAM = ("member", "manager")


class Base(DeclarativeBase):
    """Declarative base for the directory schema."""

    metadata = schema_metadata(SCHEMA)


kernel = define_kernel_tables(Base.metadata)


class Discipline(Base):
    """A professional discipline (social worker, DA victim worker, ...): data, not code."""

    __tablename__ = "discipline"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text, nullable=False)
    is_adult_specialist: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class Team(Base):
    """A multi-disciplinary Family Safeguarding team."""

    __tablename__ = "team"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    # eager_defaults: read server-set timestamps back with RETURNING (no lazy load in async).
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Practitioner(Base):
    """A person who uses the system, known to the identity provider by `subject`."""

    __tablename__ = "practitioner"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    subject: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    discipline_code: Mapped[str] = mapped_column(
        Text, ForeignKey("discipline.code"), nullable=False
    )
    roles: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        Index("ix_practitioner_discipline_code", "discipline_code"),
        Index("ix_practitioner_display_name_id", "display_name", "id"),
    )
    # eager_defaults: read server-set timestamps back with RETURNING (no lazy load in async).
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class TeamMembership(Base):
    """A practitioner's place in a team over a period; ended, never deleted."""

    __tablename__ = "team_membership"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    practitioner_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("practitioner.id"), nullable=False
    )
    team_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("team.id"), nullable=False
    )
    role_in_team: Mapped[str] = mapped_column(Text, nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("role_in_team IN ('member', 'manager')", name="role_in_team"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="period"
        ),
        Index("ix_team_membership_practitioner_id", "practitioner_id"),
        Index("ix_team_membership_team_id", "team_id"),
        # One open-ended membership per practitioner and team; history rows have valid_to.
        Index(
            "uq_team_membership_open",
            "practitioner_id",
            "team_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}


class PractitionerIdentity(Base):
    """How one identity provider names a practitioner: (issuer namespace, claim value).

    `issuer` is the provider's name in FSM_AUTH_ISSUERS (`entra:<tid>`, a Keycloak realm's
    issuer URL); `value` is the claim it names people by (Entra `oid`, Keycloak `sub`). One
    person has at most one identity per provider, and an identity names one person.
    """

    __tablename__ = "practitioner_identity"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    practitioner_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("practitioner.id"), nullable=False
    )
    issuer: Mapped[str] = mapped_column(Text, nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("issuer", "value"),
        UniqueConstraint("practitioner_id", "issuer"),
    )
    __mapper_args__ = {"eager_defaults": True}


class ScimClient(Base):
    """An identity provider's provisioning client and its bearer credential (only a hash).

    `issuer`, when set, names the trusted issuer whose identifying claim the client sends as
    `externalId` (Entra: map objectId to externalId), so a provisioned practitioner can sign in.
    """

    __tablename__ = "scim_client"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    issuer: Mapped[str | None] = mapped_column(Text, nullable=True)
    credential_sha256: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __mapper_args__ = {"eager_defaults": True}


class ScimUser(Base):
    """A practitioner a SCIM client provisioned, as that client knows them."""

    __tablename__ = "scim_user"

    practitioner_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("practitioner.id"), primary_key=True
    )
    client: Mapped[str] = mapped_column(Text, nullable=False)
    user_name: Mapped[str] = mapped_column(Text, nullable=False)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        # userName is case-insensitive in SCIM (RFC 7643 4.1.1).
        Index("uq_scim_user_client_user_name", "client", func.lower(user_name), unique=True),
        Index("ix_scim_user_client_external_id", "client", "external_id"),
    )
    __mapper_args__ = {"eager_defaults": True}


class ScimGroup(Base):
    """A team a SCIM client provisioned as a Group; its members are the team's open memberships."""

    __tablename__ = "scim_group"

    team_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("team.id"), primary_key=True
    )
    client: Mapped[str] = mapped_column(Text, nullable=False)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (Index("ix_scim_group_client_external_id", "client", "external_id"),)
    __mapper_args__ = {"eager_defaults": True}
