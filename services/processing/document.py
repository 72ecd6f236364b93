"""The record of processing, built from every unit's tables and the kernel's configuration."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData

from services.auth import AUDITOR_ROLE, DPO_ROLE
from services.processing.categories import CATEGORIES, CATEGORY_CODES
from services.processing.kernel_tables import KERNEL_TABLE_CATEGORIES
from services.registry import UNITS, Unit
from services.retention.rules import schedule_of
from services.settings import KernelSettings


@dataclass(frozen=True)
class UnitTables:
    """One unit's schema: its tables and the categories it gives its own."""

    unit: Unit
    metadata: MetaData
    categories: Mapping[str, str]

    def category_of(self, table: str) -> str | None:
        return self.categories.get(table) or KERNEL_TABLE_CATEGORIES.get(table)

    @property
    def tables(self) -> list[str]:
        return sorted(table.name for table in self.metadata.tables.values())


def processing_module(unit: Unit) -> str:
    """Where a unit says what its tables hold."""
    return f"{unit.package}.processing"


def load_units(units: Sequence[Unit] = UNITS) -> list[UnitTables]:
    """Every unit's tables and categories, from its `<package>.processing` module."""
    loaded = []
    for unit in units:
        module = importlib.import_module(processing_module(unit))
        loaded.append(UnitTables(unit, module.METADATA, module.TABLE_CATEGORIES))
    return loaded


def uncategorised(units: Sequence[UnitTables]) -> list[str]:
    """`schema.table` of every table with no category (or an unknown one)."""
    return [
        f"{u.unit.schema}.{table}"
        for u in units
        for table in u.tables
        if u.category_of(table) not in CATEGORY_CODES
    ]


def build(units: Sequence[UnitTables], settings: KernelSettings) -> dict[str, Any]:
    """The record as a document (JSON-ready)."""
    holders: dict[str, list[str]] = {category.code: [] for category in CATEGORIES}
    for u in units:
        for table in u.tables:
            code = u.category_of(table)
            if code in holders:
                holders[code].append(f"{u.unit.schema}.{table}")
    schedule = schedule_of(settings)
    return {
        "title": "Records of processing activities (UK GDPR Art 30)",
        "controller": "The council running this Family Safeguarding service",
        "purposes_of_access": list(settings.access_purposes),
        "roles": {
            DPO_ROLE: "reads every unit's access log; governs retention and legal holds",
            AUDITOR_ROLE: "reads their teams' cases and those cases' access log",
        },
        "categories": [
            {
                "code": category.code,
                "name": category.name,
                "description": category.description,
                "data_subjects": category.data_subjects,
                "special_category_or_criminal_offence_data": category.special_category,
                "lawful_basis": category.lawful_basis,
                "retention": category.retention,
                "held_in": holders[category.code],
            }
            for category in CATEGORIES
        ],
        "retention_schedule": [
            {"kind": rule.kind, "basis": rule.basis, "years": rule.years, "rule": rule.description}
            for rule in schedule.values()
        ],
        "uncategorised_tables": uncategorised(units),
    }


def markdown(document: Mapping[str, Any]) -> str:
    """The record as Markdown."""
    lines = [f"# {document['title']}", "", f"Controller: {document['controller']}.", ""]
    lines += ["Access purposes recorded with every read and write: "]
    lines[-1] += ", ".join(f"`{p}`" for p in document["purposes_of_access"]) + "."
    lines += ["", "## Categories of data", ""]
    for category in document["categories"]:
        special = "yes" if category["special_category_or_criminal_offence_data"] else "no"
        lines += [
            f"### {category['name']} (`{category['code']}`)",
            "",
            category["description"],
            "",
            f"- Data subjects: {category['data_subjects']}",
            f"- Special category or criminal offence data: {special}",
            f"- Lawful basis: {category['lawful_basis']}",
            f"- Retention: {category['retention']}",
            f"- Held in: {', '.join(f'`{t}`' for t in category['held_in']) or 'nothing yet'}",
            "",
        ]
    lines += ["## Retention schedule", "", "| kind | kept |", "| --- | --- |"]
    lines += [f"| {r['kind']} | {r['rule']} |" for r in document["retention_schedule"]]
    if document["uncategorised_tables"]:
        lines += ["", "## Tables without a category (fix before release)", ""]
        lines += [f"- `{table}`" for table in document["uncategorised_tables"]]
    return "\n".join(lines) + "\n"
