"""Supervision's change feed: meetings and case records the caller may see, in commit order."""
