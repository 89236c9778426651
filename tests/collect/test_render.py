"""`extract --render` goes through the capture engine: host rules and the address guard hold."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archive.errors import EvidenceError
from collector.capture.settings import CaptureSettings
from collector.cli.app import app
from collector.collect.render import render_dom
from tests.world.server import World

pytestmark = pytest.mark.browser

PAGE = "https://www.example.test/news/volunteers.html"


def _settings(world: World, **values: object) -> CaptureSettings:
    return CaptureSettings(
        host_resolver_rules=world.resolver_rules,
        extra_ca_file=str(world.ca_file),
        timeout_s=20.0,
        **values,  # type: ignore[arg-type]
    )


def test_render_reaches_a_host_only_the_resolver_rules_know(test_world: World) -> None:
    dom = render_dom(PAGE, _settings(test_world, allow_private=True))
    assert "<html" in dom.lower() and "Demo Desk" in dom


def test_render_refuses_a_private_address_without_allow_private(test_world: World) -> None:
    with pytest.raises(EvidenceError, match=r"^cannot render https://www\.example\.test/"):
        render_dom(PAGE, _settings(test_world, allow_private=False))


def test_extract_render_uses_the_archive_capture_rules(
    test_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command renders with the home's capture settings (here from EVIDENCE_* variables)."""
    monkeypatch.setenv("EVIDENCE_HOST_RESOLVER_RULES", test_world.resolver_rules)
    monkeypatch.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path), "extract", PAGE, "--render", "--allow-private", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"]["rendered"] is True
