"""VERIFY.md runs as written: the shell blocks of each exported package's VERIFY.md (and of the
report's verification section) run in order in an empty folder beside the package, with only
OpenSSL, coreutils and a Python 3 that cannot see this project, and every step succeeds; on a
tampered copy the step that checks the tampered piece fails."""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.export import export, instructions
from archive.export.package_verify import verify_package
from archive.provenance.checks import token_finding
from archive.provenance.findings import OK, UNVERIFIABLE
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from tests.export.checks import copy_bag, flip_byte, rewrite_zip_member
from tests.export.conftest import ExportWorld, Packages

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
MARK = "@@step"


def sh_blocks(markdown: str) -> list[str]:
    """The ```sh blocks of a Markdown text, in order."""
    return re.findall(r"^```sh\n(.*?)\n```$", markdown, flags=re.S | re.M)


def report_blocks(report: str) -> list[str]:
    """The <pre> blocks of the report's verification section, unescaped."""
    section = report[report.index('id="verify"') :]
    return [html.unescape(b) for b in re.findall(r"<pre>(.*?)</pre>", section, flags=re.S)]


def _tools(folder: Path, with_tool: bool) -> dict[str, str]:
    """An environment whose PATH has the system tools, a `python3` that is the system Python
    in isolated mode (no PYTHONPATH, no user site, not this project), and, when `with_tool`,
    `evidence` (this checkout, run by the project's Python)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    python = SYSTEM_PYTHON if SYSTEM_PYTHON.exists() else Path(shutil.which("python3") or "")
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec {python} -I "$@"\n')
    if with_tool:
        (bin_dir / "evidence").write_text(
            f"#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -c "
            "\"import sys; from collector.cli.app import main; sys.argv[0] = 'evidence'; "
            'main()" "$@"\n'
        )
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(folder), "LC_ALL": "C.UTF-8"}


def run_blocks(
    blocks: list[str], beside: Path, root_pem: Path, with_tool: bool = True
) -> tuple[list[int], str]:
    """Run block 0 (opening the package), then each other block in its own `set -e` subshell,
    in an empty working folder in `beside` holding only TSA-ROOT.pem; each block's exit status
    and the whole output."""
    work = beside / "verify"
    work.mkdir()
    shutil.copy(root_pem, work / "TSA-ROOT.pem")
    script = ["set -e -o pipefail", blocks[0], "set +e"]
    for number, block in enumerate(blocks[1:], start=1):
        script += [f"( set -e -o pipefail\n{block}\n)", f'echo "{MARK} {number} $?"']
    done = subprocess.run(
        ["/bin/bash", "-c", "\n".join(script)], cwd=work, capture_output=True, text=True,
        timeout=300, check=False, env=_tools(beside, with_tool),
    )  # fmt: skip
    output = done.stdout + done.stderr
    codes = [int(code) for code in re.findall(rf"^{MARK} \d+ (\d+)$", done.stdout, flags=re.M)]
    assert done.returncode == 0 and len(codes) == len(blocks) - 1, output
    return [0, *codes], output


def step(blocks: list[str], heading: str, markdown: str) -> int:
    """The index of the block under the heading that starts with `heading` (after its
    number)."""
    headings = re.findall(r"^## \d+\. (.*)$", markdown, flags=re.M)
    return next(i for i, h in enumerate(headings) if h.startswith(heading))


def _unpacked_verify_md(package: Path) -> str:
    if package.is_dir():
        return (package / "data/provenance/VERIFY.md").read_text()
    with zipfile.ZipFile(package) as zipped:
        name = next(n for n in zipped.namelist() if n.endswith("provenance/VERIFY.md"))
        return zipped.read(name).decode()


@pytest.fixture
def root_pem(export_world: ExportWorld) -> Path:
    """The test TSA's root certificate alone (its intermediate is in the packages)."""
    return export_world.tsa.pki / "root.crt"


@pytest.mark.parametrize("kind", ["bag", "zipped_bag", "wacz"])
def test_every_step_succeeds(kind: str, packages: Packages, root_pem: Path, tmp_path: Path) -> None:
    original = getattr(packages, kind)
    package = tmp_path / original.name
    (shutil.copytree if original.is_dir() else shutil.copy)(original, package)
    markdown = _unpacked_verify_md(package)
    blocks = sh_blocks(markdown)
    before = sorted(package.rglob("*"))
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    assert codes == [0] * len(blocks), output
    assert sorted(package.rglob("*")) == before  # helper files stay in the working folder
    index = json.loads(
        next((tmp_path / "verify").rglob("package.json")).read_text()
        if kind != "bag"
        else (package / "data/provenance/package.json").read_text()
    )
    captures, checkpoints = index["captures"], index["checkpoints"]
    tokens = sum(len(c["tokens"]) for c in captures + checkpoints)
    signatures = len(captures) + len(checkpoints) + (kind == "wacz")  # + the WACZ key's
    assert output.count("Signature Verified Successfully") == signatures
    assert output.count("Verification: OK") == tokens and tokens >= 3
    assert output.count("is in checkpoint") == len(captures)
    assert "0 tampered, 0 unverifiable" in output  # the tool, with the TSA root alone
    artifacts = sum(len(c["artifacts"]) for c in captures)
    assert output.count(": OK\n") >= artifacts  # sha256sum -c: one OK per artifact file
    if kind == "wacz":
        assert "Verified OK" in output and "the signer is the WACZ key" in output


def test_bag_of_an_unsealed_capture(
    export_world: ExportWorld, root_pem: Path, tmp_path: Path
) -> None:
    """A capture stored unsealed (no manifest, no token of its own): its files are checked
    against its custody event, and that event against the timestamped checkpoint that covers
    it."""
    export(export_world.archive, export_world.capture_ids[2], "bagit", tmp_path / "case")
    markdown = _unpacked_verify_md(tmp_path / "case")
    index = json.loads((tmp_path / "case/data/provenance/package.json").read_text())
    unsealed = next(c for c in index["captures"] if c["manifest"] is None)
    assert unsealed["timestamped_through"], "finish_writes stamped a checkpoint covering it"
    blocks = sh_blocks(markdown)
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    assert codes == [0] * len(blocks), output
    assert output.count("is in checkpoint") == 2  # the newest, and the stamped one
    assert f"{unsealed['artifacts']['screenshot-viewport.png']}: OK" in output


def test_steps_run_without_the_tool(packages: Packages, root_pem: Path, tmp_path: Path) -> None:
    package = tmp_path / "bag"
    copy_bag(packages.bag, package)
    blocks = sh_blocks(_unpacked_verify_md(package))
    codes, output = run_blocks(blocks, tmp_path, root_pem, with_tool=False)
    assert codes == [0] * len(blocks), output
    assert "evidence-collector is not installed" in output


def _tampered_bag(packages: Packages, tmp_path: Path, what: str) -> Path:
    bag = copy_bag(packages.bag, tmp_path / "bag")
    index = json.loads((bag / "data/provenance/package.json").read_text())
    capture = index["captures"][0]
    target = {
        "blob": capture["artifacts"]["screenshot-viewport.png"],
        "manifest": capture["manifest"],
        "checkpoint": index["checkpoints"][0]["path"],
        "checkpoint root": index["checkpoints"][0]["path"],
    }[what]
    note = (bag / target).read_bytes()
    offset = note.index(b"\n", note.index(b"\n") + 1) + 5 if what == "checkpoint root" else None
    flip_byte(bag / target, offset)
    return bag


@pytest.mark.parametrize(
    ("what", "fails"),
    [
        ("blob", ["Every file is", "Every artifact matches"]),
        ("manifest", ["Capture "]),
        ("checkpoint", ["Checkpoint of"]),  # the middle byte: the signature line
        ("checkpoint root", ["Checkpoint of", "Capture "]),  # signed text; proofs lead elsewhere
    ],
)
def test_tampered_bag_fails_the_right_step(
    what: str, fails: list[str], packages: Packages, root_pem: Path, tmp_path: Path
) -> None:
    bag = _tampered_bag(packages, tmp_path, what)
    markdown = _unpacked_verify_md(bag)
    blocks = sh_blocks(markdown)
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    failed = {i for i, code in enumerate(codes) if code}
    for heading in fails:
        assert step(blocks, heading, markdown) in failed, output
    assert step(blocks, "The archive key", markdown) not in failed
    assert step(blocks, "The tool", markdown) in failed  # evidence verify exits 1


def test_tampered_wacz_signature_fails_its_step(
    packages: Packages, root_pem: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packages.wacz) as zipped:
        digest = json.loads(zipped.read("datapackage-digest.json"))
    signature = digest["signedData"]["signature"]
    digest["signedData"]["signature"] = ("B" if signature[0] != "B" else "C") + signature[1:]
    wacz = tmp_path / packages.wacz.name
    rewrite_zip_member(packages.wacz, wacz, "datapackage-digest.json", json.dumps(digest).encode())
    markdown = _unpacked_verify_md(wacz)
    blocks = sh_blocks(markdown)
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    failed = {i for i, code in enumerate(codes) if code}
    assert failed == {step(blocks, h, markdown) for h in ("The tool", "The WACZ signature")}, output


def test_tampered_wacz_blob_fails_the_file_list(
    packages: Packages, root_pem: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packages.wacz) as zipped:
        name = next(n for n in zipped.namelist() if n.endswith("screenshot-viewport.png"))
        data = bytearray(zipped.read(name))
    data[len(data) // 2] ^= 0xFF
    wacz = tmp_path / packages.wacz.name
    rewrite_zip_member(packages.wacz, wacz, name, bytes(data))
    markdown = _unpacked_verify_md(wacz)
    blocks = sh_blocks(markdown)
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    failed = {i for i, code in enumerate(codes) if code}
    assert failed == {
        step(blocks, h, markdown) for h in ("The tool", "Every file is", "Every artifact matches")
    }, output


def test_report_instructions_run_against_the_bag_exported_after_it(
    export_world: ExportWorld, root_pem: Path, tmp_path: Path
) -> None:
    """The report names the checkpoint the bag exported after it holds, and its blocks run."""
    report = tmp_path / "report.html"
    export(export_world.archive, export_world.source_id, "report", report)
    export(export_world.archive, export_world.source_id, "bagit", tmp_path / "BAG")
    text = report.read_text()
    index = json.loads((tmp_path / "BAG/data/provenance/package.json").read_text())
    named = set(re.findall(r"checkpoints/(\d+)\.txt", html.unescape(text)))
    assert named == {str(c["tree_size"]) for c in index["checkpoints"]}
    blocks = report_blocks(text)
    codes, output = run_blocks(blocks, tmp_path, root_pem)
    assert codes == [0] * len(blocks), output
    assert output.count("is in checkpoint") == len(index["captures"])


def test_bag_verify_md_names_no_file_it_lacks(packages: Packages) -> None:
    """Every package path VERIFY.md names is in the bag (no TSA-ROOTS.pem and the like)."""
    markdown = _unpacked_verify_md(packages.bag)
    for path in set(re.findall(r'"\$PKG"/([\w./-]+)', markdown)):
        assert (packages.bag / path).is_file(), path
    names = set(re.findall(r"\bTSA-[A-Z-]+\.pem\b", markdown))
    assert names == {"TSA-ROOT.pem"}
    assert os.path.basename(str(packages.bag)) in markdown


def test_hostile_names_are_never_expanded(packages: Packages, tmp_path: Path) -> None:
    """An artifact name or URL from a captured page cannot run a command from VERIFY.md."""
    index = json.loads((packages.bag / "data/provenance/package.json").read_text())
    capture = index["captures"][0]
    hostile = "data/captures/x/$(touch pwned)`touch pwned`'.png"
    capture["artifacts"] = {"a": hostile}
    capture["manifest"] = capture["signature"] = hostile
    capture["final_url"] = "https://example.test/\ntouch pwned"
    markdown = instructions.markdown(index, "bag")
    script = "\n".join(
        line for block in sh_blocks(markdown) for line in block.splitlines() if "pwned" in line
    )  # fmt: skip
    assert script.count("\n") >= 2 and "# https://example.test/?touch pwned" in script
    subprocess.run(["/bin/bash", "-c", f"PKG=.\n{script}"], cwd=tmp_path, check=False,
                   capture_output=True, timeout=60)  # fmt: skip
    assert not (tmp_path / "pwned").exists()


def test_the_tsa_root_alone_verifies(
    export_world: ExportWorld, packages: Packages, root_pem: Path
) -> None:
    """Given only the TSA's root, tokens verify: the package carries the intermediates, the
    archive verifier takes them from the configured bundle. Without them the finding names the
    missing intermediate."""
    root_only = TrustStore.from_pem_file(root_pem)
    assert root_only.intermediates == []
    for findings in (
        verify_package(packages.bag, root_only),
        verify_package(packages.wacz, root_only),
        verify_archive(export_world.archive, root_only),
    ):
        stamps = [f for f in findings if f.check == "TSA signature and chain"]
        assert stamps and all(f.status == OK for f in stamps), stamps
    index = json.loads((packages.bag / "data/provenance/package.json").read_text())
    token = index["captures"][0]["tokens"][0]["path"]
    manifest = (packages.bag / index["captures"][0]["manifest"]).read_bytes()
    alone = token_finding("t", (packages.bag / token).read_bytes(), manifest, root_only)
    assert alone.status == UNVERIFIABLE and "Intermediate" in str(alone.expected)
