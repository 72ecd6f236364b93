"""A real headless Chromium (Debian's, never a downloaded build) driving the running stack.

The tests here are marked `browser`. Without Chromium at BROWSER_TEST_CHROMIUM (default
/usr/bin/chromium) they are skipped with a reason that says how to enable them; `make test`
repeats it as its last line. Every page the browser opens is recorded request by request:
anything not on this machine is refused and reported, so a CDN or web-font dependency fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.support.database import fresh_database
from tests.support.stack import RunningStack, running_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS_DIR = PROJECT_ROOT / ".artefacts" / "browser"
# No sandbox: CI runs as root. The rest keeps the browser itself from calling out (updates,
# sync, QUIC probes) so that only the page's own requests reach the network, and we see them.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LOCAL_HOSTS = frozenset({"127.0.0.1"})
SKIP_REASON = (
    f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium;"
    " .ci/run does it) or point BROWSER_TEST_CHROMIUM at one"
)


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    return None if os.access(CHROMIUM, os.X_OK) else SKIP_REASON


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = chromium_missing_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


_saved_artefacts: list[Path] = []
_call_failed = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = report.failed
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _saved_artefacts:
        terminalreporter.write_sep("-", "browser test artefacts")
        for path in _saved_artefacts:
            terminalreporter.write_line(str(path))


@pytest.fixture(scope="session")
def artefacts_dir() -> Path:
    """Where browser tests leave screenshots (git-ignored), emptied at the start of a run."""
    shutil.rmtree(ARTEFACTS_DIR, ignore_errors=True)
    ARTEFACTS_DIR.mkdir(parents=True)
    return ARTEFACTS_DIR


@dataclass(frozen=True)
class ScreenshotSaver:
    """Take a page's screenshot into the artefacts folder, listed at the end of the run."""

    directory: Path

    def __call__(self, page: Page, name: str, *, full_page: bool = False) -> Path:
        path = self.directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        _saved_artefacts.append(path)
        return path


@pytest.fixture
def save_screenshot(artefacts_dir: Path) -> ScreenshotSaver:
    """Save screenshots under the artefacts folder."""
    return ScreenshotSaver(artefacts_dir)


# Package scope: shared by every browser test, stopped as soon as the last one is done.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The whole system via `fsm run` on free ports, over a database of its own with demo data."""
    with (
        fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url,
        running_stack(tmp_path_factory.mktemp("browser-stack"), database_url=url) as running,
    ):
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile that is deleted when it closes."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class WatchedPage:
    """A page whose every request and console error is recorded."""

    page: Page
    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def watched_page(
    browser: Browser, save_screenshot: ScreenshotSaver, request: pytest.FixtureRequest
) -> Iterator[WatchedPage]:
    """A new page in a fresh context; requests off this machine are refused and recorded.

    When the test fails, the page as it was is saved as `<test name>-failed.png`.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    page = context.new_page()
    watched = WatchedPage(page)

    def intercept(route: Route) -> None:
        url = route.request.url
        watched.requested.append(url)
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            watched.refused.append(url)
            route.abort("blockedbyclient")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            watched.console_errors.append(f"{message.text} ({location.get('url', '?')})")

    context.route("**/*", intercept)
    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
    try:
        yield watched
        if request.node.stash.get(_call_failed, False):
            save_screenshot(page, f"{request.node.name}-failed", full_page=True)
    finally:
        context.close()
