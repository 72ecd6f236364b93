"""What a person does on the interactive docs page, in Swagger UI's own terms (its DOM)."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

RENDER_TIMEOUT_MS = 20_000
RESPONSE_TIMEOUT_MS = 15_000


class NotRendered(AssertionError):
    """Swagger UI showed an error, or nothing, instead of the operations."""


@dataclass(frozen=True)
class SwaggerUi:
    """The docs page as its reader sees it."""

    page: Page

    def wait_until_rendered(self) -> None:
        """Wait for the operation list; fail with what the page shows instead."""
        try:
            self.page.wait_for_selector(".opblock, .version-pragma", timeout=RENDER_TIMEOUT_MS)
        except PlaywrightTimeout as exc:
            raise NotRendered(f"no operations after {RENDER_TIMEOUT_MS} ms: {self.text()}") from exc
        refusal = self.page.locator(".version-pragma")
        if refusal.count():
            raise NotRendered(f"Swagger UI refused the document: {refusal.inner_text()}")

    def text(self) -> str:
        """The page's visible text (for failure messages)."""
        return " ".join(self.page.locator("body").inner_text().split())[:2000]

    def tag_headings(self) -> list[str]:
        """The operation groups, in the order shown."""
        return [
            " ".join(text.split())
            for text in self.page.locator("h3.opblock-tag a span").all_inner_texts()
        ]

    def tag_description(self, tag: str) -> str:
        """The description shown beside a group's heading."""
        heading = self.page.locator(f'h3.opblock-tag[data-tag="{tag}"]')
        return " ".join(heading.locator("small").inner_text().split())

    def operations(self) -> list[tuple[str, str]]:
        """Every operation listed, as (METHOD, path)."""
        blocks = self.page.locator(".opblock")
        methods = blocks.locator(".opblock-summary-method").all_inner_texts()
        paths = blocks.locator(".opblock-summary-path").evaluate_all(
            "nodes => nodes.map(node => node.dataset.path)"
        )
        return list(zip((m.strip().upper() for m in methods), paths, strict=True))

    def operation(self, method: str, path: str) -> Locator:
        """The block of one operation (first if it is listed under several groups)."""
        return (
            self.page.locator(f".opblock.opblock-{method.lower()}")
            .filter(has=self.page.locator(f'.opblock-summary-path[data-path="{path}"]'))
            .first
        )

    def authorize(self, token: str) -> None:
        """Open Authorize, enter a bearer token, confirm and close the dialog."""
        self.page.locator(".auth-wrapper button.authorize").click()
        dialog = self.page.locator(".modal-ux")
        dialog.locator("input").first.fill(token)
        dialog.locator("button.authorize").click()
        dialog.locator("button.btn-done").click()
        self.page.locator(".auth-wrapper button.authorize.locked").wait_for()

    def try_it_out(self, method: str, path: str) -> Locator:
        """Expand an operation, press "Try it out" then "Execute"; return the operation block."""
        block = self.operation(method, path)
        block.locator(".opblock-summary").click()
        block.locator("button.try-out__btn").click()
        block.locator("button.execute").click()
        block.locator(".live-responses-table tr.response .response-col_status").wait_for(
            timeout=RESPONSE_TIMEOUT_MS
        )
        return block

    @staticmethod
    def live_response(block: Locator) -> tuple[int, str]:
        """The status and body Swagger UI shows for the request just executed."""
        row = block.locator(".live-responses-table tr.response")
        status = int(row.locator(".response-col_status").inner_text().strip())
        body = row.locator(".response-col_description .highlight-code pre").first.inner_text()
        return status, body

    @staticmethod
    def reveal_live_response(block: Locator) -> None:
        """Scroll so the request sent and the answer shown are at the top of the window."""
        block.locator(".responses-inner").first.evaluate(
            "node => node.scrollIntoView({block: 'start'})"
        )
