"""What the fuzz sent, per unit and operation, and the line that says so."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Lines the session's terminal summary prints (conftest.py), whatever the verbosity.
SUMMARY_LINES: list[str] = []


@dataclass
class Tally:
    """Requests sent, by unit and operation label (`GET /cases/{case_id}`)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    fuzzed: set[str] = field(default_factory=set)

    def record(self, unit: str, operation: str) -> None:
        self.fuzzed.add(unit)
        self.requests[(unit, operation)] += 1

    def missing(self, unit: str, operations: Iterable[str]) -> list[str]:
        """The unit's operations that got no request."""
        return [op for op in operations if not self.requests[(unit, op)]]

    def line(self, unit: str, operations: int, without_ids: Iterable[str] = ()) -> str:
        sent = sum(n for (name, _), n in self.requests.items() if name == unit)
        line = f"contract fuzz: {unit} {operations} operations / {sent} requests"
        unknown = sorted(set(without_ids))
        if unknown:
            # Generated ids only: those operations are fuzzed, but mostly answer 404.
            line += f"; path parameters with no world ids (teach ids.PATH_IDS): {unknown}"
        return line
