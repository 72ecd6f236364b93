"""The outcomes framework: measures as versioned configuration, figures, imports, the report."""
