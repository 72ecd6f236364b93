"""Bulk imports of the system of record's extracts, run as resumable background jobs."""
