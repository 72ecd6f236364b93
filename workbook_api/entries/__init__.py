"""Workbook entries: the shared record, its drafts, amendments and withdrawals."""
