"""Practitioners' identities per identity provider, SCIM provisioning, directory change notices.

- practitioner_identity: (issuer, value) pairs a token is matched by (Entra oid, Keycloak sub);
- scim_client, scim_user, scim_group: provisioning credentials (hashed) and what each client
  provisioned;
- every change to a practitioner, their identities or memberships, or a team, notifies the
  `fsm_directory_changed` channel at commit (payload: the practitioner's id, or `*` for a
  team), so every gateway replica drops what it cached about them at once, whichever path
  made the change.

Revision ID: directory_identities_scim
Revises: directory_audit_sealing
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "directory_identities_scim"
down_revision: str | None = "directory_audit_sealing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "directory"
CHANNEL = "fsm_directory_changed"
FUNCTION = f"{SCHEMA}.announce_directory_change"
WATCHED = ("practitioner", "practitioner_identity", "team_membership", "team")


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "practitioner_identity",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("practitioner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            [f"{SCHEMA}.practitioner.id"],
            name="fk_practitioner_identity_practitioner_id_practitioner",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_practitioner_identity"),
        sa.UniqueConstraint("issuer", "value", name="uq_practitioner_identity_issuer_value"),
        sa.UniqueConstraint(
            "practitioner_id", "issuer", name="uq_practitioner_identity_practitioner_id_issuer"
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "scim_client",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("credential_sha256", sa.LargeBinary(), nullable=False),
        _created_at(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scim_client"),
        sa.UniqueConstraint("name", name="uq_scim_client_name"),
        sa.UniqueConstraint("credential_sha256", name="uq_scim_client_credential_sha256"),
        schema=SCHEMA,
    )
    op.create_table(
        "scim_user",
        sa.Column("practitioner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            [f"{SCHEMA}.practitioner.id"],
            name="fk_scim_user_practitioner_id_practitioner",
        ),
        sa.PrimaryKeyConstraint("practitioner_id", name="pk_scim_user"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_scim_user_client_user_name",
        "scim_user",
        ["client", sa.text("lower(user_name)")],
        unique=True,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_scim_user_client_external_id", "scim_user", ["client", "external_id"], schema=SCHEMA
    )
    op.create_table(
        "scim_group",
        sa.Column("team_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("client", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["team_id"], [f"{SCHEMA}.team.id"], name="fk_scim_group_team_id_team"
        ),
        sa.PrimaryKeyConstraint("team_id", name="pk_scim_group"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_scim_group_client_external_id", "scim_group", ["client", "external_id"], schema=SCHEMA
    )
    # NOTIFY is sent at commit and only then; identical payloads in one transaction fold.
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed record;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
            IF TG_TABLE_NAME = 'team' THEN
                PERFORM pg_notify('{CHANNEL}', '*');
            ELSIF TG_TABLE_NAME = 'practitioner' THEN
                PERFORM pg_notify('{CHANNEL}', changed.id::text);
            ELSE
                PERFORM pg_notify('{CHANNEL}', changed.practitioner_id::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for table in WATCHED:
        op.execute(
            f"CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE"
            f" ON {SCHEMA}.{table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER announce_change ON {SCHEMA}.{table}")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
    op.drop_index("ix_scim_group_client_external_id", table_name="scim_group", schema=SCHEMA)
    op.drop_table("scim_group", schema=SCHEMA)
    op.drop_index("ix_scim_user_client_external_id", table_name="scim_user", schema=SCHEMA)
    op.drop_index("uq_scim_user_client_user_name", table_name="scim_user", schema=SCHEMA)
    op.drop_table("scim_user", schema=SCHEMA)
    op.drop_table("scim_client", schema=SCHEMA)
    op.drop_table("practitioner_identity", schema=SCHEMA)
