"""Claims, their batches per claim period, quality assurance, audit sampling and decisions."""
