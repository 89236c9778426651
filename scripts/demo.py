"""`make demo`: show what the evidence collector does today, offline, in a throw-away home.

Until the one-command collect lands (issue #7) the demo creates an archive, prints its status
and says plainly which steps are not there yet.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_HOME = ROOT / ".demo" / "archive"


def evidence(*args: str) -> int:
    """Run the installed `evidence` command against the demo home, echoing it first."""
    command = [str(Path(sys.executable).with_name("evidence")), "--home", str(DEMO_HOME), *args]
    print("$ evidence --home", DEMO_HOME, *args, flush=True)
    return subprocess.run(command, check=False).returncode


def main() -> int:
    """Run the demo steps; non-zero when one of them fails."""
    for step in (("init",), ("status",)):
        if evidence(*step) != 0:
            return 1
    print(
        "\nThe demo archive is at",
        DEMO_HOME,
        "\nNot yet in this release: `evidence collect` on the bundled sample article (issue #7);"
        "\nextraction (#3), capture (#4), platform adapters (#5) and provenance (#6) land first.",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
