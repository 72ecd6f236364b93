"""A practitioner's device as the sync tests play it: it pulls, holds a copy, records offline,
and pushes; it keeps what a push sent back so a test can see where every word went."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


@dataclass
class Device:
    """One device: its owner's headers, its cursor, what it holds, what it has queued."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    name: str = field(default_factory=lambda: f"device-{uuid.uuid4().hex[:8]}")
    cursor: str | None = None
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    queued: list[dict[str, Any]] = field(default_factory=list)
    pushed: list[dict[str, Any]] = field(default_factory=list)
    history: list[list[dict[str, Any]]] = field(default_factory=list)

    async def pull(self) -> list[dict[str, Any]]:
        """Pull every page since the cursor and apply it to what the device holds."""
        items: list[dict[str, Any]] = []
        while True:
            params = {"cursor": self.cursor} if self.cursor else {}
            response = await self.client.get("/sync/pull", params=params, headers=self.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            if page["reset"]:
                for held in (self.cases, self.families, self.entries):
                    held.clear()
            for item in page["items"]:
                self._apply(item)
            items += page["items"]
            self.cursor = page["next_cursor"]
            if not page["more"]:
                return items

    def _apply(self, item: dict[str, Any]) -> None:
        kind, key = item["kind"], item["id"]
        if item["op"] == "tombstone":
            if kind == "case":
                self.cases.pop(key, None)
                for entry_id in [k for k, e in self.entries.items() if e["case_id"] == key]:
                    del self.entries[entry_id]
            elif kind == "family":
                self.families.pop(key, None)
            elif kind == "entry":
                self.entries.pop(key, None)
            return
        if kind == "case":
            self.cases[key] = item["case"]
        elif kind == "family":
            self.families[key] = item["family"]
        elif kind == "entry":
            self.entries[key] = item["entry"]

    def create_entry(self, case_id: str, narrative: str, **content: Any) -> str:
        """Record a new entry offline; returns the id the device gave it."""
        entry_id = str(uuid.uuid4())
        entry = {"entry_type": "home_visit", "event_at": hours_ago(1), "narrative": narrative}
        self.queued.append(
            {
                "op": "create_entry",
                "op_id": str(uuid.uuid4()),
                "case_id": case_id,
                "entry_id": entry_id,
                "entry": {**entry, **content},
            }
        )
        return entry_id

    def log_session(self, case_id: str, body: dict[str, Any]) -> str:
        """Log an MDT session offline; returns the id the device gave it."""
        entry_id = str(uuid.uuid4())
        self.queued.append(
            {
                "op": "create_session_log",
                "op_id": str(uuid.uuid4()),
                "case_id": case_id,
                "entry_id": entry_id,
                "session_log": body,
            }
        )
        return entry_id

    def edit_draft(self, entry_id: str, narrative: str, *, finalise: bool = False) -> None:
        """Edit a draft the device holds, against the version it holds."""
        held = self.entries[entry_id]
        self.queued.append(
            {
                "op": "update_draft",
                "op_id": str(uuid.uuid4()),
                "case_id": held["case_id"],
                "entry_id": entry_id,
                "base_etag": held["etag"],
                "changes": {"narrative": narrative},
                "finalise": finalise,
            }
        )

    async def push(self, *, again: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Push the queued operations (or `again`, a batch pushed before)."""
        operations = again if again is not None else self.queued
        response = await self.client.post(
            "/sync/push",
            json={"device_id": self.name, "operations": operations},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        assert [r["op_id"] for r in results] == [op["op_id"] for op in operations]
        if again is None:
            self.pushed, self.queued = operations, []
            self.history.append(operations)
        return results
