"""The offline world with the collector pointed at it by its ordinary settings, and the CLI."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collector.cli.app import app
from tests.world.server import World


@pytest.fixture
def world_env(test_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """`test_world`, reached through host rules and its CA; no TSA unless a test sets one."""
    monkeypatch.setenv("EVIDENCE_HOST_RESOLVER_RULES", test_world.resolver_rules)
    monkeypatch.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
    monkeypatch.setenv("EVIDENCE_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("EVIDENCE_TIMEOUT_S", "20")
    monkeypatch.delenv("EVIDENCE_TSA_URLS", raising=False)
    return test_world


def run_json(home: Path, *args: str, exit_code: int = 0) -> Any:
    """`evidence --home HOME ARGS` (a `--json` command), its exit code checked, output parsed."""
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == exit_code, result.stderr or result.stdout
    return json.loads(result.stdout)
