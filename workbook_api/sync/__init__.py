"""Mobile sync: a practitioner's device pulls its caseload and pushes what it recorded offline."""
