"""The recorder's own short-lived certificate authority for intercepting companions' TLS.

Companions (platform adapters' Python clients, on the recorder's companion port) trust this
CA; the browser's own TLS is passed through, never intercepted (`tunnel.py`). A fresh CA key
is made per engine run and never written outside a private temporary folder. The recorder
verifies every real server's certificate for intercepted requests against the system trust
store (plus any configured extra CA).
"""

import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class InterceptionCA:
    """Issues per-host server certificates and caches an SSL context for each host."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="evidence-mitm-")
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evidence-collector recorder")])
        now = datetime.now(UTC)
        self._name = name
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self._contexts: dict[str, ssl.SSLContext] = {}

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side SSL context presenting a certificate for `host`."""
        context = self._contexts.get(host)
        if context is None:
            context = self._make_context(host)
            self._contexts[host] = context
        return context

    def _make_context(self, host: str) -> ssl.SSLContext:
        try:
            alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            alt = x509.DNSName(host)
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
            .issuer_name(self._name)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        stem = Path(self._dir.name) / f"{len(self._contexts)}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + self._cert.public_bytes(serialization.Encoding.PEM)
        )
        key_path.write_bytes(
            self._leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        context.set_alpn_protocols(["http/1.1"])
        return context

    @property
    def cert_file(self) -> Path:
        """PEM of the interception CA, for other clients that record through the proxy."""
        path = Path(self._dir.name) / "recorder-ca.pem"
        if not path.exists():
            path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        return path

    def close(self) -> None:
        """Remove the key material."""
        self._dir.cleanup()
