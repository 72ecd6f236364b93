"""What the pathway destroys when the workbook destroys a case (`copies.py`)."""
