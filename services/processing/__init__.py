"""Records of processing (UK GDPR Art 30): what the system holds, by category, and why.

Generated from the code itself, so it cannot drift: each unit's tables come from its own
metadata, each table's category from the unit's `<package>/processing.py` (the kernel's own
tables are categorised here, `kernel_tables.py`), and the purposes, retention rules and roles
from the kernel's configuration. `fsm processing records` prints it as Markdown or JSON; a
test fails when any table has no category.
"""
