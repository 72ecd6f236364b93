"""Describe each OpenAPI tag in the document, so the docs page can say what a group is for.

A tag is described where it is declared: by the docstring of the router module whose routes
carry it (as a handler's docstring describes its operation), unless the app names a description
itself, which it must when one module declares several tags.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Mapping

from fastapi import APIRouter
from fastapi.routing import APIRoute


def _first_paragraph(module_name: str) -> str:
    module = sys.modules.get(module_name)
    doc = inspect.cleandoc(module.__doc__ or "") if module is not None else ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def describe_tags(
    routers: Iterable[APIRouter], descriptions: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """Return OpenAPI tag objects for every tag on the routers' routes, in first-use order."""
    explicit = descriptions or {}
    described: dict[str, str] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            for tag in route.tags:
                name = str(tag)
                if name not in described:
                    described[name] = explicit.get(name) or _first_paragraph(
                        route.endpoint.__module__
                    )
    return [
        {"name": name, "description": text} if text else {"name": name}
        for name, text in described.items()
    ]
