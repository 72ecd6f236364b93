"""The workbook's change feed: what changed in the records the caller may see, in commit order."""
