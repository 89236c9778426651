"""Run the test world on its own: `python -m tests.world` prints its addresses as one JSON line
and serves until stdin closes or the process is stopped (used by the capture benchmark)."""

import json
import sys
import tempfile
from pathlib import Path

from tests.world.server import World


def main() -> None:
    """Start the world, announce it, serve until stdin reaches its end."""
    with tempfile.TemporaryDirectory(prefix="test-world-") as tmp:
        world = World(ca_dir=Path(tmp)).start()
        info = {
            "http_port": world.http_port,
            "https_port": world.https_port,
            "ca_file": str(world.ca_file),
            "resolver_rules": world.resolver_rules,
        }
        print(json.dumps(info), flush=True)
        try:
            sys.stdin.read()
        finally:
            world.stop()


if __name__ == "__main__":
    main()
