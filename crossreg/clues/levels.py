"""Severity levels of clues and their weights in a bundle's score (pure; no Django)."""

SEVERITY_WEIGHT = {"low": 1, "medium": 2, "high": 4, "critical": 8}
SEVERITY_ORDER = ["low", "medium", "high", "critical"]
