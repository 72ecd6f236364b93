"""The system of record's side: external ids, upserts by them, person matching and its review."""
