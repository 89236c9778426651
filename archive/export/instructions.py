"""How to check an export by hand, as shell blocks that run as written: the bag's and the
WACZ's `VERIFY.md` and the end of the HTML report.

The reader makes an empty working folder next to the package and runs every block from it, in
order; helper files land in that folder, never inside the package (a zipped package is
unzipped into it first). Only OpenSSL, sha256sum and Python 3's standard library are used: the
small helper scripts in `templates/by_hand/` are written into the working folder by the first
block. Every check fails loudly (non-zero exit status), none is left to the eye.
"""

import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from archive.vocabulary import PackageFormat

HELPERS = Path(__file__).parent / "templates" / "by_hand"
HELPER_NAMES = ("package_files.py", "artifact_sums.py", "inclusion.py", "wacz_signature.py")
TSA_ROOT = "TSA-ROOT.pem"


@dataclass(frozen=True)
class Place:
    """Where the package is, seen from the working folder, and how to open it."""

    name: str  # the package's file or folder name as exported
    fmt: str  # PackageFormat of the index

    @property
    def zipped(self) -> bool:
        """A bag written as a .zip (`bagit.export_bag` decides the same way)."""
        return self.fmt == PackageFormat.BAGIT and PurePosixPath(self.name).suffix.lower() == ".zip"

    @property
    def original(self) -> str:
        """The package as handed over, from the working folder."""
        return f"../{self.name}"

    @property
    def folder(self) -> str:
        """The (unpacked) package folder, from the working folder."""
        if self.fmt == PackageFormat.WACZ:
            return "package"
        return PurePosixPath(self.name).stem if self.zipped else f"../{self.name}"


def helper(name: str) -> str:
    """The source of one helper script."""
    return (HELPERS / name).read_text(encoding="utf-8")


def _q(path: str | None) -> str:
    """A package path under "$PKG", quoted for the shell (names may come from captured
    pages: nothing in them is ever expanded)."""
    return f'"$PKG"/{shlex.quote(str(path))}'


def _comment(text: str) -> str:
    """A shell comment line of `text` (a captured URL), with no control character that
    could end the comment."""
    return "# " + "".join(c if c.isprintable() else "?" for c in text)


def _setup(index: dict[str, Any], place: Place) -> str:
    lines = []
    original = shlex.quote(place.original)
    if place.fmt == PackageFormat.WACZ:
        lines.append(f"python3 -m zipfile -e {original} package   # unzip it here")
    elif place.zipped:
        lines.append(f"python3 -m zipfile -e {original} .   # unzip it here")
    lines.append(f"PKG={shlex.quote(place.folder)}")
    lines.append(f"test -f {_q(index['key']['path'])}   # the package is where PKG says")
    if _has_tokens(index):
        lines.append(f"test -s {TSA_ROOT}   # the TSA root certificate(s) you trust, PEM")
    return "\n".join(lines)


def _helpers(place: Place) -> str:
    wacz = place.fmt == PackageFormat.WACZ
    names = [n for n in HELPER_NAMES if n != "wacz_signature.py" or wacz]
    return "\n".join(f"cat > {name} <<'EOF'\n{helper(name).rstrip()}\nEOF" for name in names)


def _has_tokens(index: dict[str, Any]) -> bool:
    return any(c["tokens"] for c in index["captures"] + index["checkpoints"])


def _tool(index: dict[str, Any], place: Place) -> str:
    bundle = f" --tsa-ca-bundle {TSA_ROOT}" if _has_tokens(index) else ""
    original = shlex.quote(place.original)
    return (
        "if command -v evidence > /dev/null; then\n"
        f"  evidence verify {original}{bundle} --key {index['key']['fingerprint']}\n"
        "else\n"
        '  echo "evidence-collector is not installed: the next steps check the same by hand"\n'
        "fi"
    )


def _key(index: dict[str, Any]) -> str:
    key = _q(index["key"]["path"])
    return (
        f"FINGERPRINT=$(openssl pkey -pubin -in {key} -outform DER | tail -c 32 | sha256sum "
        "| cut -d' ' -f1)\n"
        'echo "archive key: $FINGERPRINT"\n'
        f'test "$FINGERPRINT" = {index["key"]["fingerprint"]}   # the key package.json names'
    )


def _files() -> str:
    return (
        'python3 package_files.py "$PKG" > package.sha256\n'
        "sha256sum -c --quiet package.sha256   # prints nothing when every file matches"
    )


def _wacz_signature(index: dict[str, Any]) -> str:
    prov = index["key"]["path"].rsplit("/", 1)[0]
    return "\n".join(
        [
            'python3 wacz_signature.py "$PKG/datapackage-digest.json"',
            "openssl pkey -pubin -inform DER -in wacz-signer.der -out wacz-signer.pem",
            "openssl dgst -sha256 -verify wacz-signer.pem -signature wacz-signature.der "
            "wacz-signed.txt   # Verified OK",
            f'openssl pkey -pubin -in "$PKG/{prov}/wacz-key.pem" -outform DER '
            "| cmp - wacz-signer.der && echo 'the signer is the WACZ key in the package'",
            f"openssl pkeyutl -verify -pubin -inkey {_q(index['key']['path'])} -rawin "
            f'-in "$PKG/{prov}/wacz-key.pem" -sigfile "$PKG/{prov}/wacz-key.pem.sig"'
            "   # the archive key endorsed it",
        ]
    )


def _untrusted(index: dict[str, Any]) -> str:
    chain = index.get("tsa_intermediates")
    return f" -untrusted {_q(chain)}" if chain else ""


def _capture(index: dict[str, Any], capture: dict[str, Any]) -> str:
    key = _q(index["key"]["path"])
    lines = [_comment(capture["final_url"] or capture["requested_url"])]
    if capture["manifest"] and capture["signature"]:
        lines.append(
            f"openssl pkeyutl -verify -pubin -inkey {key} -rawin "
            f"-in {_q(capture['manifest'])} -sigfile {_q(capture['signature'])}"
        )
    else:
        lines.append("# not sealed: no signed manifest; its custody event lists its files")
    for token in capture["tokens"]:
        lines.append(
            f"openssl ts -verify -in {_q(token['path'])} -data {_q(capture['manifest'])} "
            f"-CAfile {TSA_ROOT}{_untrusted(index)}"
        )
        lines.append(f"openssl ts -reply -in {_q(token['path'])} -text | grep 'Time stamp'")
    if capture.get("inclusion_proof"):
        newest = index["checkpoints"][0]["path"]
        lines.append(
            f"python3 inclusion.py {_q(capture['inclusion_proof'])} {_q(newest)} "
            f"{_q(index['custody'])}"
        )
    notes = {c["tree_size"]: c["path"] for c in index["checkpoints"]}
    for stamp in capture.get("timestamped_through") or []:
        lines.append(f"# timestamped through checkpoint {stamp['tree_size']} (its token above)")
        lines.append(
            f"python3 inclusion.py {_q(stamp['path'])} {_q(notes[stamp['tree_size']])} "
            f"{_q(index['custody'])}"
        )
    newest_stamped = bool(capture.get("inclusion_proof") and index["checkpoints"][0]["tokens"])
    if not (capture["tokens"] or capture.get("timestamped_through") or newest_stamped):
        lines.append("# no RFC 3161 timestamp covers this capture in this package")
    return "\n".join(lines)


def _checkpoint(index: dict[str, Any], checkpoint: dict[str, Any]) -> str:
    note, size = _q(checkpoint["path"]), checkpoint["tree_size"]
    lines = [
        f"sed -n '1,/^$/p' {note} | sed '$d' > checkpoint-{size}.body   # the signed text",
        f"tail -n 1 {note} | awk '{{print $3}}' | base64 -d | tail -c 64 > checkpoint-{size}.sig",
        f'test "$(tail -n 1 {note} | awk \'{{print $2}}\')" = "$(head -n 1 {note})"'
        "   # the signature names the log",
        f"openssl pkeyutl -verify -pubin -inkey {_q(index['key']['path'])} -rawin "
        f"-in checkpoint-{size}.body -sigfile checkpoint-{size}.sig",
    ]
    lines += [
        f"openssl ts -verify -in {_q(t['path'])} -data {note} -CAfile {TSA_ROOT}{_untrusted(index)}"
        for t in checkpoint["tokens"]
    ]
    return "\n".join(lines)


def _artifacts() -> str:
    return (
        'python3 artifact_sums.py "$PKG" > artifacts.sha256\n'
        "sha256sum -c artifacts.sha256   # one OK per file"
    )


def sections(index: dict[str, Any], root: str = "BAG") -> list[tuple[str, str]]:
    """(heading, shell text) pairs that verify the package whose `package.json` is `index`,
    exported as `root` (its file or folder name), run in order from an empty working folder
    beside it."""
    place = Place(root, index["format"])
    steps = [
        ("Open the package", _setup(index, place)),
        (
            "Write the helper scripts into the working folder (read them: standard library only)",
            _helpers(place),
        ),
        ("The tool, if it is installed (no database and no network)", _tool(index, place)),
        ("The archive key: compare its fingerprint with the one published", _key(index)),
        ("Every file is the one the package's own file list names", _files()),
    ]
    if place.fmt == PackageFormat.WACZ:
        steps.append(
            ("The WACZ signature (wacz-auth, anonymous) and the archive's endorsement of its key",
             _wacz_signature(index))
        )  # fmt: skip
    steps += [
        (f"Checkpoint of {c['tree_size']} custody events: its signature and timestamps",
         _checkpoint(index, c))
        for c in index["checkpoints"]
    ]  # fmt: skip
    steps += [
        (f"Capture {c['id']}: manifest signature, timestamps, custody event in the signed "
         "checkpoint", _capture(index, c))
        for c in index["captures"]
    ]  # fmt: skip
    steps.append(("Every artifact matches its signed manifest and custody event", _artifacts()))
    return [(f"{number}. {heading}", text) for number, (heading, text) in enumerate(steps)]


def _preamble(index: dict[str, Any], place: Place) -> list[str]:
    subject = index["subject"]
    what = {PackageFormat.WACZ: "WACZ", PackageFormat.BAGIT: "BagIt bag"}[index["format"]]
    parts = [
        "# Verifying this package\n",
        f"This {what} (`{place.name}`) holds {subject['kind']} `{subject['id']}`, exported "
        f"{index['created']} by {index['tool']['name']} {index['tool']['version']}. The "
        "blocks below run as written, offline, with OpenSSL, `sha256sum` and Python 3 (its "
        "standard library only).\n",
        f"1. In the folder that holds `{place.name}`, make an empty working folder (not inside "
        "the package: the steps write files) and open a shell in it: `mkdir verify && cd "
        "verify`.",
    ]
    if _has_tokens(index):
        parts.append(
            f"2. Put the root certificate of each timestamp authority you trust in `{TSA_ROOT}` "
            "(PEM) in that folder. Get it from the TSA itself, not from this package."
            + (
                f" The TSAs' intermediate certificates are in `{index['tsa_intermediates']}` "
                "(not trusted by themselves: the root decides)."
                if index.get("tsa_intermediates")
                else " This package carries no intermediate certificates: if the TSA has "
                f"them, append them to `{TSA_ROOT}`."
            )
        )
    parts.append(
        "3. Run the blocks in order. Each check prints what it verified; a failing one says "
        "what failed and exits non-zero.\n"
    )
    damaged = index.get("damaged") or []
    if damaged:
        parts.append(
            "**This package holds damaged evidence, packed with `--allow-damaged`: these files' "
            "bytes did not match their recorded SHA-256 when exported, so their checks fail.**\n"
        )
        parts += [
            f"- `{d['path']}` ({d['what']}): recorded {d['expected_sha256']}, "
            f"found {d['found_sha256']}"
            for d in damaged
        ]
        parts.append("")
    return parts


def markdown(index: dict[str, Any], root: str) -> str:
    """`VERIFY.md` of the package whose `package.json` is `index`, exported as `root`."""
    parts = _preamble(index, Place(root, index["format"]))
    for heading, text in sections(index, root):
        parts.append(f"## {heading}\n\n```sh\n{text}\n```\n")
    return "\n".join(parts)
