"""The published OpenAPI documents in openapi/ match what the code serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import openapi_documents

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
DOCUMENTS = openapi_documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_published_document_matches_the_code(name: str) -> None:
    published = OPENAPI_DIR / f"{name}.json"

    assert published.exists(), f"{published} is missing: run `fsm openapi export`"
    assert json.loads(published.read_text(encoding="utf-8")) == DOCUMENTS[name], (
        f"{published} is out of date: run `fsm openapi export`"
    )


def test_merged_document_routes_every_backend_through_the_gateway() -> None:
    paths = DOCUMENTS["merged"]["paths"]

    assert any(path.startswith("/workbook/") for path in paths)
    assert "/me" in paths
    assert not any(path in {"/healthz", "/readyz"} for path in paths)
    operation_ids = [
        operation["operationId"]
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_in_the_merged_document_resolves() -> None:
    merged = DOCUMENTS["merged"]
    schemas = merged["components"]["schemas"]
    text = json.dumps(merged)
    refs = {part.split('"', 1)[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}

    assert refs
    assert refs <= set(schemas)
