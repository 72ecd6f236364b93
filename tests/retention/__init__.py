"""Destruction across units: the workbook destroys a case, every unit tombstones its copies."""
