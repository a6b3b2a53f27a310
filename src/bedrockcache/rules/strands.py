"""Placeholder: filled by the strands backend work."""

RULES = ()
