"""The workbook's projection of the practitioner directory, learned from the gateway's events."""
