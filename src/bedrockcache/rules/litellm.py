"""Placeholder: filled by the litellm backend work."""

RULES = ()
