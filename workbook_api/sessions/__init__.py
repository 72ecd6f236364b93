"""MDT session logs: adult specialists' sessions with parents, as structured entries."""
