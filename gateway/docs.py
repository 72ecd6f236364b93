"""The merged OpenAPI document and interactive docs that work with no internet access.

Council networks often block CDNs, so the page loads nothing from outside the gateway: Swagger
UI 5 (it reads OpenAPI 3.1, which FastAPI writes; Swagger UI 4 shows only an error) comes from
the upstream swagger-ui-dist files that the fastapi-offline package ships, and the page starts
it with a script file of our own, so a content-security policy without inline script holds.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from services.openapi_merge import merge_documents

log = logging.getLogger(__name__)

ASSETS_PATH: Final = "/docs/assets"
STATIC_PATH: Final = "/docs/static"
# Upstream swagger-ui-dist files, as fastapi-offline packages them (byte for byte).
SWAGGER_UI_DIR: Final = Path(str(resources.files("fastapi_offline") / "static"))
SWAGGER_UI_FILES: Final = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
OWN_STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
# What the page needs, and all it needs: Swagger UI sets inline styles and draws its icons as
# data: images; everything else, scripts and "Try it out" calls included, is this origin.
DOCS_CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)
# The first Swagger UI release that reads each OpenAPI minor version (Swagger UI's own
# compatibility table). A document version missing here is one no bundled release is known to
# read: tests fail until this is checked and extended.
FIRST_SWAGGER_UI_READING: Final = {"3.0": (3, 18, 3), "3.1": (5, 0, 0)}
_VERSION_STAMP: Final = re.compile(rb'PACKAGE_VERSION:"(\d+)\.(\d+)\.(\d+)"')

DocumentFetcher = Callable[[], Awaitable[dict[str, Any]]]


def bundled_swagger_ui_version() -> tuple[int, int, int]:
    """Read the Swagger UI release from the build stamp inside the bundle the page loads."""
    match = _VERSION_STAMP.search((SWAGGER_UI_DIR / "swagger-ui-bundle.js").read_bytes())
    if match is None:
        raise RuntimeError("swagger-ui-bundle.js carries no version stamp")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def swagger_ui_reads(swagger_ui: tuple[int, int, int], openapi_version: str) -> bool:
    """Tell whether that Swagger UI release renders a document of that `openapi` version."""
    first = FIRST_SWAGGER_UI_READING.get(".".join(openapi_version.split(".")[:2]))
    return first is not None and swagger_ui >= first


def docs_page(prefix: str) -> str:
    """Render the docs page: Swagger UI's files and our start-up script, all on this origin."""
    base = html.escape(prefix, quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Family Safeguarding API</title>
<link rel="icon" type="image/png" href="{base}{ASSETS_PATH}/favicon.png">
<link rel="stylesheet" href="{base}{ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{base}/openapi.json"></div>
<script src="{base}{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{base}{STATIC_PATH}/docs-init.js"></script>
</body>
</html>
"""


class MergedOpenApi:
    """Fetch each backend's document through its upstream client, merge, and cache briefly."""

    def __init__(
        self,
        gateway_document: Callable[[], dict[str, Any]],
        backends: Mapping[str, tuple[str, DocumentFetcher]],
        ttl_seconds: float = 60.0,
    ) -> None:
        self._gateway_document = gateway_document
        self._backends = backends
        self._ttl = ttl_seconds
        self._cached: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        """Return the merged document, refreshing it when the cache has expired."""
        if self._cached is not None and time.monotonic() < self._expires:
            return self._cached
        async with self._lock:
            if self._cached is not None and time.monotonic() < self._expires:
                return self._cached
            fetched: dict[str, tuple[str, dict[str, Any]]] = {}
            missing: list[str] = []
            for unit, (prefix, fetch) in self._backends.items():
                try:
                    fetched[unit] = (prefix, await fetch())
                except Exception:  # an unreachable service must not take the docs down
                    log.warning("could not fetch the %s OpenAPI document", unit)
                    missing.append(unit)
            merged = merge_documents(self._gateway_document(), fetched)
            if missing:
                merged["info"]["x-unavailable-services"] = sorted(missing)
                self._expires = time.monotonic() + 5  # retry soon
            else:
                self._expires = time.monotonic() + self._ttl
            self._cached = merged
            return merged


def install_docs(app: FastAPI, merged: MergedOpenApi) -> None:
    """Serve /openapi.json (merged) and /docs (Swagger UI from local files)."""
    missing = [name for name in SWAGGER_UI_FILES if not (SWAGGER_UI_DIR / name).is_file()]
    if missing:
        raise RuntimeError(f"Swagger UI files missing from {SWAGGER_UI_DIR}: {missing}")
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def get_openapi_document(request: Request) -> JSONResponse:
        """Return the merged OpenAPI document of the whole system."""
        return JSONResponse(await merged.document())

    @router.get("/docs")
    async def get_docs(request: Request) -> HTMLResponse:
        """Return the interactive API documentation page."""
        return HTMLResponse(
            docs_page(request.scope.get("root_path", "").rstrip("/")),
            headers={"Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY},
        )

    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_UI_DIR), name="docs-assets")
    app.mount(STATIC_PATH, StaticFiles(directory=OWN_STATIC_DIR), name="docs-static")
