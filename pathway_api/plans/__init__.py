"""Whole-family assessments with Supporting Families screening, the Family Action Plan, reviews."""
