"""Role summaries: each allocated worker's summary per workbook episode."""
