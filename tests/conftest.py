"""Fixtures shared by every test area. Keep this file to imports; fixtures live with their area."""

from tests.support.offline import no_outside_witnesses
from tests.world.plugin import test_world

__all__ = ["no_outside_witnesses", "test_world"]
