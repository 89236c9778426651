"""The WACZ's wacz-auth anonymous signature is the standard one: checked without our code by
`cryptography`, by `openssl dgst` on the exact signed bytes, and by WebCrypto in Node the way
ReplayWeb.page (wabac.js) checks it; its key is the archive's (custody event, Ed25519
endorsement, `evidence key show`); forged signatures and swapped keys are reported."""

import base64
import hashlib
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from sqlmodel import select

from archive.models import CustodyEvent
from tests.export.checks import cli, rewrite_zip_member, tampered, verify_json
from tests.export.conftest import ExportWorld, Packages

SIGNED_FIELDS = {"hash", "created", "software", "version", "signature", "publicKey"}

# What wabac.js does for an anonymous signature: import the SPKI key as ECDSA P-384 and verify
# the base64 signature (P1363 r||s) over the UTF-8 bytes of `hash` with ECDSA SHA-256.
WEBCRYPTO_CHECK = """
const signed = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).signedData;
const subtle = globalThis.crypto.subtle;
subtle.importKey("spki", Buffer.from(signed.publicKey, "base64"),
                 {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"])
  .then((key) => subtle.verify({name: "ECDSA", hash: "SHA-256"}, key,
                               Buffer.from(signed.signature, "base64"),
                               new TextEncoder().encode(signed.hash)))
  .then((ok) => { console.log(ok ? "valid" : "invalid"); process.exit(ok ? 0 : 1); });
"""


def _member(wacz: Path, name: str) -> bytes:
    with zipfile.ZipFile(wacz) as zipped:
        return zipped.read(name)


def _signed(wacz: Path) -> dict[str, Any]:
    return json.loads(_member(wacz, "datapackage-digest.json"))["signedData"]


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_signed_data_is_the_anonymous_format(packages: Packages) -> None:
    digest = json.loads(_member(packages.wacz, "datapackage-digest.json"))
    datapackage = _member(packages.wacz, "datapackage.json")
    signed = digest["signedData"]
    assert set(signed) == SIGNED_FIELDS, "the spec forbids any other property"
    assert signed["hash"] == digest["hash"] == f"sha256:{hashlib.sha256(datapackage).hexdigest()}"
    assert signed["created"] == json.loads(datapackage)["created"]
    key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
    assert len(base64.b64decode(signed["signature"])) == 96, "P1363 r||s, as WebCrypto signs"


def test_cryptography_verifies_the_signature(packages: Packages) -> None:
    signed = _signed(packages.wacz)
    key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    raw = base64.b64decode(signed["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    key.verify(der, signed["hash"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    assert decode_dss_signature(der) != (0, 0)


def test_openssl_verifies_the_exact_signed_bytes(packages: Packages, tmp_path: Path) -> None:
    signed = _signed(packages.wacz)
    (tmp_path / "pub.der").write_bytes(base64.b64decode(signed["publicKey"]))
    converted = _openssl(
        "pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "pub.der"),
        "-out", str(tmp_path / "pub.pem"),
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    raw = base64.b64decode(signed["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    (tmp_path / "sig.der").write_bytes(der)
    (tmp_path / "data").write_bytes(signed["hash"].encode("utf-8"))
    command = ["dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"), "-signature",
               str(tmp_path / "sig.der"), str(tmp_path / "data")]  # fmt: skip
    done = _openssl(*command)
    assert done.returncode == 0 and "Verified OK" in done.stdout, done.stdout + done.stderr
    (tmp_path / "data").write_bytes(b"sha256:" + b"0" * 64)
    refused = _openssl(*command)
    assert refused.returncode == 1 and "Verification failure" in refused.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_webcrypto_verifies_as_replaywebpage_does(packages: Packages, tmp_path: Path) -> None:
    digest_path = tmp_path / "datapackage-digest.json"
    digest_path.write_bytes(_member(packages.wacz, "datapackage-digest.json"))
    script = tmp_path / "check.js"
    script.write_text(WEBCRYPTO_CHECK)
    run = [str(shutil.which("node")), str(script), str(digest_path)]
    done = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "valid", done.stdout + done.stderr
    body = json.loads(digest_path.read_text())
    body["signedData"]["hash"] = "sha256:" + "0" * 64
    digest_path.write_text(json.dumps(body))
    done = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and done.stdout.strip() == "invalid", done.stdout + done.stderr


def test_key_is_the_archives(packages: Packages, export_world: ExportWorld, tmp_path: Path) -> None:
    home = export_world.home
    private = home / "keys" / "wacz-ecdsa-p384.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    pem = _member(packages.wacz, "provenance/wacz-key.pem")
    assert pem == (home / "keys" / "wacz-ecdsa-p384.pub").read_bytes()
    der = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert base64.b64encode(der).decode() == _signed(packages.wacz)["publicKey"]
    fingerprint = hashlib.sha256(der).hexdigest()
    with export_world.archive.session() as session:
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "wacz-key.created")
        ).all()
        ed25519 = session.exec(select(CustodyEvent).where(CustodyEvent.action == "key.created"))
        assert len(ed25519.all()) == 1, "the archive keeps exactly one key.created"
    assert [e.subject_id for e in events] == [fingerprint]
    assert events[0].payload["public_key"] == base64.b64encode(der).decode()
    # the archive's Ed25519 key endorses the WACZ key (checked with OpenSSL)
    for name in ("provenance/wacz-key.pem", "provenance/wacz-key.pem.sig",
                 "provenance/public-key.pem"):  # fmt: skip
        (tmp_path / Path(name).name).write_bytes(_member(packages.wacz, name))
    done = _openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "public-key.pem"), "-rawin",
        "-in", str(tmp_path / "wacz-key.pem"), "-sigfile", str(tmp_path / "wacz-key.pem.sig"),
    )  # fmt: skip
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done.stderr
    # `evidence key show` lists it as the second key, and showing it again changes nothing
    code, out = cli("key", "show", "--json", home=home)
    assert code == 0, out
    shown = json.loads(out)["wacz_key"]
    assert shown["fingerprint_sha256"] == fingerprint and shown["public_key_pem"] == pem.decode()
    code, out = cli("key", "show", home=home)
    assert code == 0 and "WACZ signing key" in out and out.count("BEGIN PUBLIC KEY") == 2
    with export_world.archive.session() as session:
        again = session.exec(select(CustodyEvent).where(CustodyEvent.action == "wacz-key.created"))
        assert len(again.all()) == 1


def test_verify_reports_the_wacz_key(packages: Packages, tmp_path: Path) -> None:
    copy = tmp_path / "copy.wacz"
    shutil.copy(packages.wacz, copy)
    code, report = verify_json(copy)
    assert code == 0, tampered(report)
    found = {(f["subject"], f["check"]): f for f in report["findings"]}
    assert found[("datapackage-digest.json", "wacz-auth anonymous signature")]["status"] == "ok"
    key = found[("WACZ key provenance/wacz-key.pem", "WACZ signing key")]
    assert key["status"] == "ok" and "endorsed by the archive key" in key["found"]
    assert key["found"].endswith("(endorsed by the archive key, logged)"), (
        "the key's wacz-key.created custody event travels in the package"
    )


def _resign(wacz: Path, target: Path, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The WACZ with its digest re-signed, validly, by another P-384 key; that key's PEM."""
    digest = json.loads(_member(wacz, "datapackage-digest.json"))
    signed = digest["signedData"]
    r, s = decode_dss_signature(key.sign(signed["hash"].encode(), ec.ECDSA(hashes.SHA256())))
    signed["signature"] = base64.b64encode(r.to_bytes(48, "big") + s.to_bytes(48, "big")).decode()
    public = key.public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signed["publicKey"] = base64.b64encode(der).decode()
    rewrite_zip_member(wacz, target, "datapackage-digest.json", json.dumps(digest).encode())
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_swapped_public_key_is_detected(packages: Packages, tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    swapped = tmp_path / "swapped.wacz"
    other_pem = _resign(packages.wacz, swapped, other)
    code, report = verify_json(swapped)
    assert code == 1
    checks = {t[:2] for t in tampered(report)}
    assert checks == {
        ("WACZ key provenance/wacz-key.pem", "signedData.publicKey is the archive's WACZ key")
    }
    # swapping the embedded WACZ key as well: the archive key's endorsement no longer holds
    both = tmp_path / "both.wacz"
    rewrite_zip_member(swapped, both, "provenance/wacz-key.pem", other_pem)
    code, report = verify_json(both)
    assert code == 1
    assert ("WACZ key provenance/wacz-key.pem", "endorsed by the archive key") in {
        t[:2] for t in tampered(report)
    }
    # only the public key replaced, the signature left: the signature no longer verifies
    digest = json.loads(_member(packages.wacz, "datapackage-digest.json"))
    digest["signedData"]["publicKey"] = json.loads(_member(swapped, "datapackage-digest.json"))[
        "signedData"
    ]["publicKey"]
    keyless = tmp_path / "keyless.wacz"
    rewrite_zip_member(
        packages.wacz, keyless, "datapackage-digest.json", json.dumps(digest).encode()
    )
    code, report = verify_json(keyless)
    assert code == 1
    assert ("datapackage-digest.json", "wacz-auth anonymous signature") in {
        t[:2] for t in tampered(report)
    }


def test_non_p384_key_is_refused(packages: Packages, tmp_path: Path) -> None:
    wrong = tmp_path / "p256.wacz"
    digest = json.loads(_member(packages.wacz, "datapackage-digest.json"))
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    digest["signedData"]["publicKey"] = base64.b64encode(der).decode()
    rewrite_zip_member(packages.wacz, wrong, "datapackage-digest.json", json.dumps(digest).encode())
    code, report = verify_json(wrong)
    assert code == 1
    found = {t[:2]: t[3] for t in tampered(report)}
    assert "not an ECDSA P-384 key" in str(
        found[("datapackage-digest.json", "wacz-auth anonymous signature")]
    )


@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip not installed")
def test_by_hand_commands_in_the_docs_run(packages: Packages, tmp_path: Path) -> None:
    """The shell block of docs/export.md (WACZ signature by hand) succeeds on a real WACZ."""
    docs = (Path(__file__).parents[2] / "docs" / "export.md").read_text()
    block = docs.split("By hand (`python3` only converts")[1].split("```sh\n")[1].split("```")[0]
    shutil.copy(packages.wacz, tmp_path / "source.wacz")
    done = subprocess.run(
        ["bash", "-e", "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verified OK" in done.stdout and "Signature Verified Successfully" in done.stdout


def test_malformed_signature_parts_are_findings(packages: Packages, tmp_path: Path) -> None:
    odd = tmp_path / "odd.wacz"
    body = {"path": "datapackage.json", "hash": "x", "signedData": "not an object"}
    rewrite_zip_member(packages.wacz, odd, "datapackage-digest.json", json.dumps(body).encode())
    nokey = tmp_path / "nokey.wacz"
    rewrite_zip_member(odd, nokey, "provenance/wacz-key.pem", b"garbage")
    code, report = verify_json(nokey)
    assert code == 1
    checks = {t[:2] for t in tampered(report)}
    assert ("datapackage-digest.json", "signed digest present") in checks
    assert ("WACZ key provenance/wacz-key.pem", "embedded WACZ key") in checks
