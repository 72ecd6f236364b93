"""Step up and step down: a request, a transfer meeting, the receiving team's acceptance."""
