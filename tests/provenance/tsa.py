"""A test PKI (root -> intermediate -> TSA, EC P-256) and an RFC 3161 TSA on 127.0.0.1 that
answers with `openssl ts -reply`, as in shared/reference/provenance.md.

Paths on the server: `/tsa` (one embedded certificate), `/multi` (the whole chain embedded,
which OpenSSL writes in non-DER order), `/fail` (HTTP 500).
"""

import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LEAF_EXT = """\
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
"""
CA_EXT = """\
basicConstraints=critical,CA:TRUE{pathlen}
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
"""
TSA_SECTION = """\
[ {name} ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_alg = sha256
{extra}
"""
POLICY = "1.3.6.1.4.1.99999.1.1"


def _openssl(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["openssl", *args], cwd=cwd, input=data, capture_output=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {done.stderr.decode()}")
    return done.stdout


def _key_and_csr(folder: Path, name: str, subject: str) -> None:
    _openssl(
        "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key", cwd=folder
    )
    _openssl(
        "req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=folder
    )


def _sign(folder: Path, name: str, issuer: str, extensions: str) -> None:
    (folder / f"{name}.ext").write_text(extensions)
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.crt", "-CAkey", f"{issuer}.key",
        "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", f"{name}.ext",
        "-out", f"{name}.crt", cwd=folder,
    )  # fmt: skip


def build_pki(folder: Path) -> None:
    """Root CA, intermediate CA and TSA leaf certificates plus the `openssl ts` config."""
    folder.mkdir(parents=True, exist_ok=True)
    _key_and_csr(folder, "root", "/CN=Evidence Test Root CA/O=Evidence Tests")
    (folder / "root.ext").write_text(CA_EXT.format(pathlen=""))
    _openssl(
        "x509", "-req", "-in", "root.csr", "-signkey", "root.key", "-days", "3650", "-sha256",
        "-extfile", "root.ext", "-out", "root.crt", cwd=folder,
    )  # fmt: skip
    _key_and_csr(folder, "intermediate", "/CN=Evidence Test Intermediate CA/O=Evidence Tests")
    _sign(folder, "intermediate", "root", CA_EXT.format(pathlen=",pathlen:0"))
    _key_and_csr(folder, "tsa", "/CN=Evidence Test TSA/O=Evidence Tests")
    _sign(folder, "tsa", "intermediate", LEAF_EXT)
    (folder / "tsaserial").write_text("01\n")
    (folder / "chain.pem").write_text(
        (folder / "intermediate.crt").read_text() + (folder / "root.crt").read_text()
    )
    config = "[ tsa ]\ndefault_tsa = tsa_config1\n\n"
    config += TSA_SECTION.format(name="tsa_config1", dir=folder, extra="")
    config += TSA_SECTION.format(name="tsa_multi", dir=folder, extra=f"certs = {folder}/chain.pem")
    (folder / "tsa.cnf").write_text(config)
    (folder / "bundle.pem").write_text((folder / "chain.pem").read_text())


@dataclass
class LocalTsa:
    """A running TSA: its base URL and the PKI folder (root.crt, intermediate.crt, bundle.pem)."""

    url: str
    pki: Path
    server: ThreadingHTTPServer

    @property
    def bundle(self) -> Path:
        return self.pki / "bundle.pem"


def start_tsa(pki: Path) -> LocalTsa:
    """Serve the TSA on an ephemeral loopback port (stop with `server.shutdown()`)."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/fail":
                self.send_error(500, "TSA out of order")
                return
            section = "tsa_multi" if self.path == "/multi" else "tsa_config1"
            with lock:  # openssl ts updates the serial file
                reply = _openssl(
                    "ts", "-reply", "-config", "tsa.cnf", "-section", section,
                    "-queryfile", "/dev/stdin", "-out", "/dev/stdout", cwd=pki, data=body,
                )  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LocalTsa(f"http://127.0.0.1:{server.server_address[1]}", pki, server)
