"""The records of processing are generated from the code (services/processing/): every table
of every unit has a category, and the document carries the configuration as it is."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from services.cli import main
from services.processing.document import UnitTables, build, load_units, markdown, uncategorised
from services.registry import UNITS, WORKBOOK
from services.settings import KernelSettings


def test_every_table_of_every_unit_has_a_category() -> None:
    units = load_units()
    assert [u.unit for u in units] == list(UNITS)
    assert uncategorised(units) == []


def test_a_table_nobody_categorised_is_named() -> None:
    metadata = MetaData(schema="workbook")
    Table("mystery_notes", metadata, Column("id", Integer, primary_key=True))
    Table("audit_log", metadata, Column("id", Integer, primary_key=True))
    unit = UnitTables(WORKBOOK, metadata, {})
    assert uncategorised([unit]) == ["workbook.mystery_notes"]
    document = build([unit], KernelSettings())
    assert document["uncategorised_tables"] == ["workbook.mystery_notes"]
    assert "workbook.mystery_notes" in markdown(document)


def test_the_document_carries_the_schedule_purposes_and_holders() -> None:
    settings = KernelSettings(retention_early_help_years=9)
    document = build(load_units(), settings)
    held = {c["code"]: c["held_in"] for c in document["categories"]}
    assert "workbook.entry" in held["case_record"]
    assert "directory.practitioner" in held["practitioner_directory"]
    assert {"workbook.audit_log", "directory.audit_log"} <= set(held["security_audit"])
    assert document["purposes_of_access"] == list(settings.access_purposes)
    rules = {r["kind"]: r["years"] for r in document["retention_schedule"]}
    assert rules == {"child_protection": 35, "looked_after": 75, "adoption": 100, "early_help": 9}
    assert all(c["lawful_basis"] for c in document["categories"])


def test_the_command_prints_markdown_or_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["processing", "records"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Records of processing activities")
    assert "`workbook.safeguarding_case`" in text
    assert main(["processing", "records", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["uncategorised_tables"] == []
