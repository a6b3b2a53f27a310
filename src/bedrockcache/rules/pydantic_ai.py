"""Placeholder: filled by the pydantic_ai backend work."""

RULES = ()
