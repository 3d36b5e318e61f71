"""Scenario tests run a whole runtime; they share the rule tests' taxonomy fixture."""

from tests.rules.conftest import iot_taxonomy

__all__ = ["iot_taxonomy"]
