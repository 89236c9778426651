"""Make sure emoji and CJK fonts exist (run by `make install`), so pages render, not boxes.

The viewer (and the browser tests that screenshot it) shows post texts with emoji and CJK
characters; with only DejaVu installed they render as boxes. As root with apt-get, Debian's
`fonts-noto-color-emoji` and `fonts-noto-cjk` are installed, following scripts/ensure_browser.py;
otherwise the exact command is printed. Missing fonts never fail the install: rendering is
cosmetic, the evidence is not.
"""

import os
import shutil
import subprocess
import sys

PACKAGES = ("fonts-noto-color-emoji", "fonts-noto-cjk")
FAMILIES = ("Noto Color Emoji", "Noto Sans CJK")
INSTALL_TIMEOUT_S = 900


def missing_families() -> list[str]:
    """Font families from FAMILIES that fontconfig does not know."""
    if shutil.which("fc-list") is None:
        return list(FAMILIES)
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return [family for family in FAMILIES if family not in listed]


def main() -> int:
    """Install the fonts when possible; always exit 0."""
    missing = missing_families()
    if not missing:
        print(f"fonts: {', '.join(FAMILIES)} present")
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        for step in (["apt-get", "update"], command):
            print("+", " ".join(step), flush=True)
            try:
                subprocess.run(step, timeout=INSTALL_TIMEOUT_S, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                print(f"  failed: {exc}", flush=True)
        missing = missing_families()
    if missing:
        print(
            f"fonts: {', '.join(missing)} missing; emoji and CJK text will show as boxes.\n"
            f"  sudo apt-get update && sudo {' '.join(command)}",
            file=sys.stderr,
        )
    else:
        print(f"fonts: {', '.join(FAMILIES)} installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
