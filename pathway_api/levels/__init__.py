"""Each family's and child's level of need over time: who decided, when, on what, and why."""
