"""The rule catalogue and the Bedrock rules over the normalized request view."""

from bedrockcache.rules.catalogue import catalogue, rule
from bedrockcache.rules.model import Example, Rule

__all__ = ["Example", "Rule", "catalogue", "rule"]
