"""External id rows: one per key, pointing at exactly one record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ProblemError
from services.principal import Principal
from workbook_api.external import repository
from workbook_api.external.models import ExternalId

_RECORD_COLUMNS = ("family_id", "person_id", "case_id", "allocation_id")


def key_row(
    principal: Principal,
    system: str,
    record_type: str,
    record_id: UUID,
    value: str,
    matched_on: str | None = None,
) -> dict[str, Any]:
    """The columns of an external id naming one record (every record column present)."""
    row: dict[str, Any] = dict.fromkeys(_RECORD_COLUMNS)
    row.update(
        record_type=record_type,
        system=system,
        value=value,
        matched_on=matched_on,
        created_by_practitioner_id=principal.practitioner_id,
    )
    row[f"{record_type}_id"] = record_id
    return row


class KeyInUse(ProblemError):
    """The key already names another record of the same type in that system."""

    def __init__(self) -> None:
        super().__init__(
            409,
            "external-id-in-use",
            "This external id already names another record in that system.",
        )


async def link(
    session: AsyncSession,
    principal: Principal,
    system: str,
    record_type: str,
    record_id: UUID,
    value: str,
) -> bool:
    """Say that a system knows an existing record by `value`; False when it already did."""
    found = await repository.record_ids_by_keys(session, record_type, system, [value])
    if value in found:
        if found[value] != record_id:
            raise KeyInUse()
        return False
    await repository.add_keys(
        session, [key_row(principal, system, record_type, record_id, value, "linked")]
    )
    return True


async def keys_for(session: AsyncSession, record_type: str, record_id: UUID) -> list[ExternalId]:
    """Every key any system knows one record by."""
    return (await repository.keys_of(session, record_type, [record_id], system=None)).get(
        record_id, []
    )
