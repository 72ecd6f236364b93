"""The token-failure tally: bounded memory, nothing lost or doubled when the database fails."""

from __future__ import annotations

from gateway.refusals.token_failures import (
    MAX_TOKEN_PREFIXES,
    OVERFLOW_ADDRESS,
    Tally,
    TokenFailureLog,
    token_prefix,
)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Database:
    """Where tallies end up; it can be made to refuse writes, as a database that is down."""

    def __init__(self) -> None:
        self.rows: list[Tally] = []
        self.down = False

    async def write(self, tally: Tally) -> None:
        if self.down:
            raise ConnectionError("database unreachable")
        self.rows.append(tally)


async def test_windows_are_written_once_closed_and_retried_after_a_failure() -> None:
    clock = Clock(1_000_000.0)
    failures = TokenFailureLog(window_seconds=60, max_addresses=10, clock=clock)
    database = Database()
    for _ in range(3):
        failures.note("192.0.2.1", "expired", "token-a", "req-1")
    failures.note("192.0.2.2", "missing", None, "req-2")

    await failures.flush(database.write)
    assert database.rows == []  # the window is still open

    clock.now += 60
    failures.note("192.0.2.1", "expired", "token-a", "req-3")  # the next window
    database.down = True
    await failures.flush(database.write)
    assert database.rows == []

    database.down = False
    await failures.flush(database.write)
    assert sorted((t.address, t.count) for t in database.rows) == [
        ("192.0.2.1", 3),
        ("192.0.2.2", 1),
    ]
    await failures.flush(database.write)
    assert len(database.rows) == 2  # nothing written twice

    await failures.stop(database.write)  # shutdown writes the open window too
    assert [(t.address, t.count, t.first_request_id) for t in database.rows[2:]] == [
        ("192.0.2.1", 1, "req-3")
    ]


async def test_memory_is_bounded_however_many_addresses_and_tokens() -> None:
    clock = Clock(2_000_000.0)
    failures = TokenFailureLog(window_seconds=60, max_addresses=3, clock=clock)
    for n in range(100):
        failures.note(f"192.0.2.{n}", "invalid_signature", f"token-{n}", f"req-{n}")
    for n in range(50):
        failures.note("192.0.2.0", "invalid_signature", f"other-token-{n}", "req")
    tallies = {tally.address: tally for tally in failures.take(everything=True)}

    assert len(tallies) == 4
    assert tallies[OVERFLOW_ADDRESS].count == 97
    assert tallies["192.0.2.0"].count == 51
    assert len(tallies["192.0.2.0"].token_prefixes) == MAX_TOKEN_PREFIXES
    assert tallies["192.0.2.0"].token_prefixes[0] == token_prefix("token-0")
    assert all("token" not in prefix for prefix in tallies["192.0.2.0"].token_prefixes)
