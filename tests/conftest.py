"""Fixtures shared by every test area. Keep this file to imports; fixtures live with their area."""

from tests.world.plugin import test_world

__all__ = ["test_world"]
