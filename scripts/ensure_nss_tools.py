"""Make sure NSS's `certutil` exists (run by `make install`): with `extra_ca_file` set, the
capture engine gives the browser a private NSS database trusting those CAs
(collector/capture/browsertls.py), and the tests' local HTTPS servers need exactly that.

As root with apt-get, Debian's `libnss3-tools` is installed; otherwise the exact command is
printed. Without it, captures with `extra_ca_file` stop with a one-line error; captures of
public sites (system trust) do not need it.
"""

import os
import shutil
import subprocess
import sys

PACKAGE = "libnss3-tools"
INSTALL_TIMEOUT_S = 600


def main() -> int:
    """Install certutil when possible; exit 0 either way (it is needed only for extra CAs)."""
    if shutil.which("certutil"):
        print("nss tools: certutil present")
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", PACKAGE]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        for step in (["apt-get", "update"], command):
            print("+", " ".join(step), flush=True)
            try:
                subprocess.run(step, timeout=INSTALL_TIMEOUT_S, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                print(f"  failed: {exc}", flush=True)
    if shutil.which("certutil"):
        print("nss tools: certutil installed")
    else:
        print(
            "nss tools: certutil missing; captures with extra_ca_file (and the tests) need it.\n"
            f"  sudo apt-get update && sudo {' '.join(command)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
