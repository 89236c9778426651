"""The by-hand verification path works: every command VERIFY.md gives (OpenSSL, sha256sum and
the inclusion-proof snippet) runs against a real bag and succeeds."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from archive.export.instructions import INCLUSION_SNIPPET, sections
from tests.export.conftest import ExportWorld, Packages


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_verify_md_commands_succeed(
    packages: Packages, export_world: ExportWorld, tmp_path: Path
) -> None:
    bag = packages.bag
    index = json.loads((bag / "data/provenance/package.json").read_text())
    assert (bag / "data/provenance/VERIFY.md").read_text().count("openssl") >= 4
    (tmp_path / "inclusion.py").write_text(INCLUSION_SNIPPET + "\n")
    pki = export_world.tsa.pki
    script = []
    for heading, text in sections(index, root=str(bag))[1:-1]:  # the CLI is tested elsewhere
        script.append(f"echo '## {heading}'")
        script.append(
            text.replace("TSA-ROOT.pem", str(pki / "root.crt")).replace(
                "TSA-INTERMEDIATES.pem", str(pki / "intermediate.crt")
            )
        )
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", "\n".join(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    captures, checkpoints = index["captures"], index["checkpoints"]
    tokens = sum(len(c["tokens"]) for c in captures) + sum(len(c["tokens"]) for c in checkpoints)
    assert output.count("Signature Verified Successfully") == len(captures) + len(checkpoints)
    assert output.count("Verification: OK") == tokens and tokens >= 3
    assert output.count("is in the checkpoint of") == len(captures)
    assert index["key"]["fingerprint"] in output
