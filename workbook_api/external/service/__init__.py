"""Upserts by external id: one function per kind of record, each taking a batch of records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from workbook_api.external.service.allocations import upsert_allocations
from workbook_api.external.service.batch import Batch, Keyed, Outcome
from workbook_api.external.service.cases import upsert_cases
from workbook_api.external.service.families import upsert_families
from workbook_api.external.service.people import upsert_people

Upsert = Callable[[Batch, list[Keyed[Any]]], Awaitable[list[Outcome]]]

# Import kinds (the collections' names) to the function that applies their records.
UPSERTS: dict[str, Upsert] = {
    "families": upsert_families,
    "people": upsert_people,
    "cases": upsert_cases,
    "allocations": upsert_allocations,
}

__all__ = ["UPSERTS", "Batch", "Keyed", "Outcome", "Upsert"]
