"""Make sure NSS's `certutil` exists (run by `make install`): with `extra_ca_file` set, the
capture engine gives the browser a private NSS database trusting those CAs
(collector/capture/browsertls.py), and the tests' local HTTPS servers need exactly that.

As root with apt-get, Debian's `libnss3-tools` is installed; otherwise the exact command is
printed. Without it, captures with `extra_ca_file` stop with a one-line error; captures of
public sites (system trust) do not need it.
"""

import shutil
import sys

from setup_steps import apt_install, install_command

PACKAGE = "libnss3-tools"


def main() -> int:
    """Install certutil when possible; exit 0 either way (it is needed only for extra CAs)."""
    if shutil.which("certutil"):
        print("nss tools: certutil present")
        return 0
    apt_install([PACKAGE])
    if shutil.which("certutil"):
        print("nss tools: certutil installed")
    else:
        print(
            "nss tools: certutil missing; captures with extra_ca_file (and the tests) need it.\n"
            f"  sudo apt-get update && sudo {' '.join(install_command([PACKAGE]))}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
