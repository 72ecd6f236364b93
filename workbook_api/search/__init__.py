"""Full-text search over the workbook records the caller may see."""
