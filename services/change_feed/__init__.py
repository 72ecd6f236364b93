"""A unit's change feed: what changed in its records, in commit order, as each caller may see it.

Three pieces, each in its own module:
- `tables.py`: the `change_log` every capture trigger appends to, and the `change_cursor`
  checkpoints a reader's cursor names;
- `capture.py`: the statement-level triggers that append to the log whenever a captured table
  is written, so no code path (a request, an inbox handler, a bulk import) can change a record
  without the feed hearing of it;
- `feed.py`: reading a page after a cursor, commit-order safe, with what left the caller's
  sight since that cursor.

A unit mounts a feed by declaring which tables it captures (a migration), how a caller's sight
is computed and how each kind of record is rendered for them (its own `changes` package: the
workbook's is `workbook_api/changes/`).
"""
