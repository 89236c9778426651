"""What every command shares: the chosen archive home, the debug flag, the opened archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from archive.archive import Archive
    from archive.config import Settings


@dataclass
class CliState:
    """Global options, resolved once per invocation."""

    home: Path | None = None
    debug: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    _archive: Archive | None = None

    def archive(self) -> Archive:
        """The archive home, created and migrated on first use within this command."""
        if self._archive is None:
            from archive.archive import Archive  # here: opening an archive is heavy

            self._archive = Archive.open(self.home, self.overrides)
        return self._archive

    def settings(self) -> Settings:
        """The home's settings (defaults, config.toml, environment, overrides), read without
        opening the archive, so a command can start its browser while the archive opens."""
        if self._archive is not None:
            return self._archive.settings
        from archive.config import default_home, load_settings

        return load_settings(Path(self.home or default_home()).expanduser(), self.overrides)

    def close(self) -> None:
        """Release the archive, if one was opened."""
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def state(ctx: typer.Context) -> CliState:
    """The CliState set up by the top-level callback (a default one in isolated calls)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
