"""Scrape a unit's `/metrics` over real HTTP and read samples by name and labels."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """One scrape: the raw text and its samples."""

    text: str
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float | None:
        """The sample with exactly these labels, or None when absent."""
        return self.samples.get((name, frozenset(labels.items())))

    def names(self) -> set[str]:
        """Every sample name present."""
        return {name for name, _ in self.samples}

    def label_values(self, name: str, label: str) -> set[str]:
        """Every value one label takes on a sample name."""
        return {
            value
            for sample_name, labels in self.samples
            if sample_name == name
            for key, value in labels
            if key == label
        }


async def scrape(port: int) -> Scrape:
    """GET http://127.0.0.1:<port>/metrics and parse the exposition."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return Scrape(response.text, samples)
