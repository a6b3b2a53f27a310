"""Placeholder: filled by the llamaindex backend work."""

RULES = ()
