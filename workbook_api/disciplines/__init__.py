"""Discipline recording configuration: entry types and session-log fields as data."""
