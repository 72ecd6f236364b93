"""Every unit's responses carry the security headers, whatever produced them."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import httpx
from fastapi import APIRouter, Response

from services.app import create_service_app
from services.html_report import REPORT_STYLESHEET, page
from services.registry import SUPERVISION
from services.security_headers import (
    API_CSP,
    API_POLICY,
    DOCS_ASSETS_POLICY,
    DOCS_CSP,
    DOCS_POLICY,
    REPORT_POLICY,
    policy_for,
    secured_headers,
)
from services.settings import KernelSettings
from supervision_api.models import kernel
from tests.conftest import running

PROBLEM = "application/problem+json"


def assert_secured(response: httpx.Response, csp: str = API_CSP) -> None:
    assert response.headers["cache-control"] == "no-store", response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == csp


async def test_json_problem_and_middleware_answers_all_carry_the_headers(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    created = await widget_client.post("/widgets", json={"name": "w"}, headers=headers)
    assert created.status_code == 201
    read = await widget_client.get(created.headers["location"], headers=headers)
    invalid = await widget_client.get("/widgets/not-a-uuid", headers=headers)
    anonymous = await widget_client.get("/widgets")  # refused by a middleware, not a handler
    probe = await widget_client.get("/healthz")
    for response in (created, read, invalid, anonymous, probe):
        assert_secured(response)
    assert read.headers["etag"]  # the handler's own headers stay
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM


router = APIRouter()


@router.get("/cacheable")
async def get_cacheable(response: Response) -> dict[str, str]:
    """Ask to be cached, as a careless handler might."""
    response.headers["Cache-Control"] = "public, max-age=600"
    response.headers["X-Frame-Options"] = "ALLOWALL"
    return {"ok": "yes"}


@router.get("/stricter")
async def get_stricter(response: Response) -> dict[str, str]:
    """Forbid storing in words of its own."""
    response.headers["Cache-Control"] = "private, no-store, max-age=0"
    return {"ok": "yes"}


@router.get("/boom")
async def get_boom() -> dict[str, str]:
    """Fail unexpectedly."""
    raise RuntimeError("a bug")


async def test_weaker_handler_headers_are_replaced_stricter_cache_control_kept(
    kernel_settings: KernelSettings, as_user: Callable[[], dict[str, str]]
) -> None:
    app = create_service_app(
        unit=SUPERVISION,
        settings=kernel_settings,
        kernel=kernel,
        routers=[router],
        title="headers",
        description="test app",
    )
    async with running(app) as client:
        cacheable = await client.get("/cacheable", headers=as_user())
        stricter = await client.get("/stricter", headers=as_user())
    assert_secured(cacheable)
    assert cacheable.headers.get_list("x-frame-options") == ["DENY"]
    assert stricter.headers["cache-control"] == "private, no-store, max-age=0"


async def test_unexpected_500_carries_the_headers(
    kernel_settings: KernelSettings, as_user: Callable[[], dict[str, str]]
) -> None:
    app = create_service_app(
        unit=SUPERVISION,
        settings=kernel_settings,
        kernel=kernel,
        routers=[router],
        title="headers",
        description="test app",
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            failed = await client.get("/boom", headers=as_user())
    assert failed.status_code == 500
    assert failed.headers["content-type"] == PROBLEM
    assert_secured(failed)


def test_policies_are_chosen_by_path_prefix() -> None:
    assert policy_for("/docs") is DOCS_POLICY
    assert policy_for("/docs/assets/swagger-ui.css") is DOCS_ASSETS_POLICY
    assert policy_for("/docs/assets") is DOCS_ASSETS_POLICY
    assert policy_for("/docsx") is API_POLICY
    assert policy_for("/workbook/cases/1") is API_POLICY
    assert DOCS_POLICY.content_security_policy == DOCS_CSP
    # Server-rendered reports, in every unit and through the gateway under its prefix.
    assert policy_for("/reports/outcomes") is REPORT_POLICY
    assert policy_for("/pathway/reports/outcomes") is REPORT_POLICY
    assert policy_for("/workbook/reports") is REPORT_POLICY
    assert policy_for("/pathway/outcomes/figures") is API_POLICY
    assert policy_for("/reportsx") is API_POLICY


def test_a_report_may_use_its_own_stylesheet_and_inline_images_and_nothing_else() -> None:
    digest = base64.b64encode(hashlib.sha256(REPORT_STYLESHEET.encode()).digest()).decode()
    directives = dict(
        part.strip().split(" ", 1) for part in REPORT_POLICY.content_security_policy.split(";")
    )
    assert directives == {
        "default-src": "'none'",
        "img-src": "data:",
        "style-src": f"'sha256-{digest}'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    assert f"<style>{REPORT_STYLESHEET}</style>" in page("A report", "<p>body</p>")


def test_cache_control_rules() -> None:
    def cache_control(policy_headers: list[tuple[bytes, bytes]]) -> list[bytes]:
        return [value for name, value in policy_headers if name == b"cache-control"]

    weak = [(b"cache-control", b"max-age=60"), (b"Cache-Control", b"public")]
    assert cache_control(secured_headers(weak, API_POLICY)) == [b"no-store"]
    strict = [(b"cache-control", b"No-Store , max-age=0")]
    assert cache_control(secured_headers(strict, API_POLICY)) == [b"No-Store , max-age=0"]
    # "no-store" inside another directive's value does not count.
    sneaky = [(b"cache-control", b'private="no-store"')]
    assert cache_control(secured_headers(sneaky, API_POLICY)) == [b"no-store"]
    assert cache_control(secured_headers(weak, DOCS_ASSETS_POLICY)) == [b"max-age=60, public"]
    assert cache_control(secured_headers([], DOCS_ASSETS_POLICY)) == [b"no-cache"]
