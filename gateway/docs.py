"""The merged OpenAPI document and interactive docs that work with no internet access.

Council networks often block CDNs, so Swagger UI's assets are served from the installed
swagger-ui-bundle package rather than fetched by the browser from the internet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from services.openapi_merge import merge_documents

log = logging.getLogger(__name__)

ASSETS_PATH = "/docs/assets"
DocumentFetcher = Callable[[], Awaitable[dict[str, Any]]]


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
    """Serve /openapi.json (merged) and /docs (Swagger UI from local assets)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def get_openapi_document(request: Request) -> JSONResponse:
        """Return the merged OpenAPI document of the whole system."""
        return JSONResponse(await merged.document())

    @router.get("/docs")
    async def get_docs() -> HTMLResponse:
        """Return the interactive API documentation page."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Family Safeguarding API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )

    app.include_router(router)
    app.mount(
        ASSETS_PATH,
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )
