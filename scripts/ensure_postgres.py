"""Make sure the PostgreSQL server binaries exist for the PostgreSQL tests (`make install`).

They come from Debian's `postgresql` package, installed with apt-get when running as root.
Without them the PostgreSQL tests are skipped with that reason; nothing else needs them.
"""

import sys
from pathlib import Path

from setup_steps import apt_install


def installed() -> Path | None:
    """The newest PostgreSQL bin folder, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return found[0].parent if found else None


def main() -> int:
    """Install PostgreSQL when possible; never fails the set-up (the tests say why they skip)."""
    if installed():
        print(f"postgresql: {installed()}")
        return 0
    if apt_install(["postgresql"]) and installed():
        print(f"postgresql: {installed()}")
        return 0
    print(
        "PostgreSQL binaries not found; the PostgreSQL tests will be skipped.\n"
        "  To run them: sudo apt-get install -y postgresql",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
