"""Claim readiness: the pure rule, the snapshot it reads, and announcing newly ready families."""
