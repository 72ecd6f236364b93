"""The Parenting Assessment: versioned sections with evidence, a manager's sign-off, a PDF."""
