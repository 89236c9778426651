"""Make sure fonts for the world's scripts and colour emoji exist (run by `make install`).

A capture must show a page as a person saw it; with only DejaVu installed, Chinese,
Devanagari, Thai and emoji render as empty boxes. Each script is checked by asking fontconfig
for a font that covers a sample letter of it (`fc-list :charset=...`; captures read fontconfig
too), emoji for a colour font, so a machine that already has the fonts (from any package) costs
a few fc-list calls and no apt-get. Missing ones are installed as root with apt-get from
Debian's Noto packages (core: Latin, Cyrillic, Greek, Arabic, Hebrew, Indic, Thai, Georgian,
Armenian and more; CJK; colour emoji), waiting for a dpkg lock another installer holds;
otherwise the commands for this and other systems are printed. Missing fonts never fail the
install: every capture records the characters no installed font covers
(`details["missing_glyphs"]`), and tests/capture/test_fonts.py fails without them.
"""

import shutil
import subprocess
import sys

from setup_steps import apt_install, can_apt, run

SCRIPTS = {
    "Latin": "0041",
    "Cyrillic": "0416",
    "Greek": "03A9",
    "Arabic": "0639",
    "Hebrew": "05E9",
    "Devanagari": "0915",
    "Bengali": "0995",
    "Thai": "0E01",
    "Georgian": "10DA",
    "Armenian": "0556",
    "Ethiopic": "1200",
    "Chinese": "5B57",
    "Japanese kana": "3042",
    "Korean": "AC00",
}
"""A sample letter (code point, hex) of each script the installed fonts must draw."""
EMOJI = "1F600"
PACKAGES = ("fontconfig", "fonts-noto-core", "fonts-noto-cjk", "fonts-noto-color-emoji")
FC_TIMEOUT_S = 30
NO_FONTCONFIG = "fontconfig (fc-list)"
OTHER_SYSTEMS = """  Fedora/RHEL: sudo dnf install fontconfig google-noto-sans-fonts \\
      google-noto-sans-cjk-fonts google-noto-color-emoji-fonts (google-noto-sans-<script>-fonts)
  Arch:        sudo pacman -S noto-fonts noto-fonts-cjk noto-fonts-emoji
  Alpine:      apk add font-noto font-noto-cjk font-noto-emoji
  macOS:       the system fonts cover these scripts and emoji; nothing to install
  Docker:      RUN apt-get update && apt-get install -y --no-install-recommends """ + " ".join(
    PACKAGES
)


def _families(pattern: str) -> str:
    """fc-list's family names for the fonts matching `pattern` ("" when none or no fc-list)."""
    try:
        return subprocess.run(
            ["fc-list", pattern, "family"],
            capture_output=True,
            text=True,
            timeout=FC_TIMEOUT_S,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def missing() -> list[str]:
    """The scripts (and "colour emoji") no installed font draws, or fontconfig itself."""
    if shutil.which("fc-list") is None:
        return [NO_FONTCONFIG]
    absent = [name for name, code in SCRIPTS.items() if not _families(f":charset={code}")]
    if not _families(f":charset={EMOJI}:color=True"):
        absent.append("colour emoji")
    return absent


def _lack(absent: list[str]) -> str:
    if absent == [NO_FONTCONFIG]:
        return f"{NO_FONTCONFIG} is not installed"
    return f"no installed font draws {', '.join(absent)}"


def main() -> int:
    """Install the fonts when possible; always exit 0 (see the module docstring)."""
    absent = missing()
    if not absent:
        print(f"fonts: {len(SCRIPTS)} scripts and colour emoji covered")
        return 0
    if can_apt():
        print(f"fonts: {_lack(absent)}; installing {' '.join(PACKAGES)}")
        if apt_install(list(PACKAGES)):
            run(["fc-cache"])  # dpkg's trigger does this too; a no-op when it did
        absent = missing()
    if absent:
        print(
            f"fonts: {_lack(absent)}: pages may show missing-glyph boxes."
            " Install the Noto fonts:\n"
            f"  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y"
            f" --no-install-recommends {' '.join(PACKAGES)}\n{OTHER_SYSTEMS}",
            file=sys.stderr,
        )
    else:
        print(f"fonts: {len(SCRIPTS)} scripts and colour emoji covered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
