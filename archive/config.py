"""Settings: built-in defaults < `config.toml` in the archive home < `EVIDENCE_*` environment.

Command-line flags override all three (the CLI passes them in). Only the keys listed in
`Settings` are recognised at the top level; tables such as `[capture]` are kept whole for the
module that owns them (`Settings.section`).
"""

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from archive.errors import ArchiveHomeError

CONFIG_FILE = "config.toml"

CONFIG_TEMPLATE = """\
# Evidence collector settings for this archive home.
# Every key can also be set by an environment variable (shown beside it), which wins.

# Database URL (EVIDENCE_DATABASE_URL). Default: the SQLite file evidence.db in this folder.
# database_url = "postgresql+psycopg://user@host/evidence"

# Where blobs live (EVIDENCE_BLOB_URL). Default: the blobs/ folder in this folder.
# blob_url = "/srv/evidence/blobs"

# Who is collecting, recorded in every custody event (EVIDENCE_INVESTIGATOR).
# Default: the login name of the user running the tool.
# investigator = "Jane Doe"
"""


def default_home() -> Path:
    """The archive home used when neither `--home` nor `EVIDENCE_HOME` is given."""
    env = os.environ.get("EVIDENCE_HOME")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("evidence", appauthor=False))


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one archive home."""

    home: Path
    database_url: str
    blob_url: str
    investigator: str
    sections: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """A `[name]` table from config.toml, or an empty dict."""
        value = self.sections.get(name, {})
        return dict(value) if isinstance(value, dict) else {}


def read_config_file(home: Path) -> dict[str, Any]:
    """Parse `config.toml` in the home; a missing file is an empty config."""
    path = home / CONFIG_FILE
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ArchiveHomeError(f"{path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ArchiveHomeError(f"cannot read {path}: {exc.strerror}") from exc


def load_settings(home: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Resolve settings for `home` from defaults, config file, environment and overrides."""
    home = home.expanduser().resolve()
    file_values = read_config_file(home)
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{home / 'evidence.db'}",
        "blob_url": str(home / "blobs"),
        "investigator": _login_name(),
    }
    for key in values:
        if isinstance(file_values.get(key), str) and file_values[key]:
            values[key] = file_values[key]
        env_value = os.environ.get(f"EVIDENCE_{key.upper()}")
        if env_value:
            values[key] = env_value
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    sections = {k: v for k, v in file_values.items() if isinstance(v, dict)}
    return Settings(home=home, sections=sections, **values)
