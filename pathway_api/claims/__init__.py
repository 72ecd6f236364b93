"""Supporting Families claims: readiness at closure, claims and batches, audit sampling."""
