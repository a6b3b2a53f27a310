"""Placeholder: filled by the langchain backend work."""

RULES = ()
