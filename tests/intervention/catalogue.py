"""Catalogue files for tests: a small valid programme under a fresh code, as YAML or JSON."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


def programme_code() -> str:
    """A code no other test uses."""
    return f"test_{uuid.uuid4().hex[:12]}"


def programme(code: str | None = None, *, modules: int = 3) -> dict[str, Any]:
    """A valid programme definition with `modules` modules of two tools each."""
    return {
        "code": code or programme_code(),
        "title": "Test programme",
        "notice": "A test catalogue.",
        "modules": [
            {
                "code": f"module_{n}",
                "title": f"Module {n}",
                "aims": [f"Aim of module {n}"],
                "suggested_sessions": 2,
                "tools": [
                    {"code": f"tool_{n}_a", "title": f"Tool {n} A"},
                    {"code": f"tool_{n}_b", "title": f"Tool {n} B"},
                ],
            }
            for n in range(1, modules + 1)
        ],
    }


async def load(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    definition: dict[str, Any] | str,
    media: str = "application/json",
) -> httpx.Response:
    """POST a catalogue file (a definition as JSON, or the file's text as given)."""
    content = definition if isinstance(definition, str) else json.dumps(definition)
    return await client.post(
        "/programmes",
        content=content.encode(),
        headers={**headers, "Content-Type": media},
    )
