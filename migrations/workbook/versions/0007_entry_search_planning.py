"""Search newest first at scale: entries by event time across cases, and word statistics.

Revision ID: workbook_0007
Revises: workbook_0006
Create Date: 2026-11-30

- `ix_entry_event_at_id`: with a common word, search walks entries newest first and stops
  after a page (workbook_api/search/repository.py).
- Statistics on the two search vectors at the maximum target (10,000): PostgreSQL keeps the
  frequencies of the 100,000 commonest words instead of 1,000, and takes any other word as
  rarer than the rarest it kept. At the default it took every word it had not kept for one in
  200 entries, so a search for a name walked a million entries newest first looking for the
  page it expected to find early (4.7 s for a word in 1 entry in 10,000; 14 ms with these
  statistics, which lead it to the GIN index: bench/README.md). ANALYZE of `entry` then
  samples up to 3,000,000 rows (6.5 s for a million entries here), in autovacuum's background.

The statistics go first: ANALYZE blocks no reads or writes, and the index build, which blocks
writes to `entry` (never reads) until the migration's transaction commits, comes last
(about 2 s for a million entries).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "workbook_0007"
down_revision: str | None = "workbook_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"
VECTORS = ("search_shared", "search_full")
STATISTICS_TARGET = 10_000


def _statistics(target: int) -> None:
    columns = ", ".join(f"ALTER COLUMN {c} SET STATISTICS {target}" for c in VECTORS)
    op.execute(f"ALTER TABLE {SCHEMA}.entry {columns}")


def upgrade() -> None:
    _statistics(STATISTICS_TARGET)
    op.execute(f"ANALYZE {SCHEMA}.entry ({', '.join(VECTORS)})")
    op.create_index("ix_entry_event_at_id", "entry", ["event_at", "id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_entry_event_at_id", table_name="entry", schema=SCHEMA)
    # -1: the server's default_statistics_target again.
    _statistics(-1)
