"""What Group Case Supervision destroys when the workbook destroys a case (`copies.py`)."""
