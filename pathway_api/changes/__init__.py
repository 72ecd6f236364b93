"""The pathway's change feed: early help and the continuum's records, in commit order."""
