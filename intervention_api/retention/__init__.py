"""What the programme destroys when the workbook destroys a case (`copies.py`)."""
