"""Turning what the recorder and the page saw into artifacts: redirect chain, server body,
response headers, TLS certificates, logs. Functions over recorded data; large content is
written to ephemeral files (ciphertext on disk), never held whole in memory."""

import hashlib
import io
import json
import re
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar, cast

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from archive.timeutil import iso
from collector.capture.decode import Decoded, decode_body
from collector.capture.ephemeral import SpooledFile
from collector.capture.recorder import Exchange
from collector.capture.result import ArtifactData
from collector.capture.spool import SPOOL_MEMORY_BYTES

T = TypeVar("T")
_META_REFRESH = re.compile(rb"<meta[^>]+http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)


def json_artifact(role: str, name: str, data: Any, url: str | None = None) -> ArtifactData:
    """A JSON artifact with sorted keys (stable bytes for the same content)."""
    body = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode()
    return ArtifactData(role, name, "application/json", body, url)


def find_exchange(exchanges: list[Exchange], url: str, used: set[int]) -> Exchange | None:
    """The earliest not yet used exchange of the page (not a companion's) for `url`."""
    url = url.split("#", 1)[0]
    for index, exchange in enumerate(exchanges):
        if index not in used and exchange.url == url and not exchange.companion:
            used.add(index)
            return exchange
    return None


def redirect_chain(
    navigations: list[tuple[str, bool, float]], exchanges: list[Exchange]
) -> list[dict[str, Any]]:
    """Every main-frame hop: URL, status, Location, time and how the page got there.

    `navigations` holds (url, is_http_redirect, time) of each main-frame navigation request
    in order; `via` is `start`, `http` (3xx), `meta-refresh` or `script`.
    """
    used: set[int] = set()
    hops: list[dict[str, Any]] = []
    previous: Exchange | None = None
    for index, (url, redirected, _when) in enumerate(navigations):
        exchange = find_exchange(exchanges, url, used)
        if index == 0:
            via = "start"
        elif redirected:
            via = "http"
        elif previous is not None and _META_REFRESH.search(body_prefix(previous, 65536)):
            via = "meta-refresh"
        else:
            via = "script"
        head = exchange.response_head if exchange else None
        hops.append(
            {
                "url": url,
                "status": exchange.status if exchange else None,
                "location": head.get("location") if head else None,
                "time": iso(exchange.started_at) if exchange else None,
                "via": via,
                "server_ip": exchange.ip if exchange else None,
                "error": exchange.error if exchange else None,
            }
        )
        previous = exchange
    return hops


def decoded_body(exchange: Exchange, cap: int, out: BinaryIO) -> Decoded:
    """Write a response body with transfer and content encodings removed (best effort: a body
    that does not decode is written as transferred) to `out`, at most `cap` bytes."""
    head = exchange.response_head
    if head is None:
        return Decoded(0, capped=False, failed=False)

    def reset() -> None:
        out.seek(0)
        out.truncate()

    return decode_body(
        lambda: exchange.response.reader(exchange.body_start),
        "chunked" in head.tokens("transfer-encoding"),
        head.get("content-encoding"),
        cap,
        out.write,
        reset,
    )


def body_prefix(exchange: Exchange, size: int) -> bytes:
    """The first `size` decoded bytes of a response body."""
    out = io.BytesIO()
    decoded_body(exchange, size, out)
    return out.getvalue()


def spooled_artifact(
    role: str,
    name: str,
    media_type: str,
    url: str | None,
    write: Callable[[BinaryIO], T],
) -> tuple[ArtifactData, T]:
    """An artifact written by `write`: in memory up to 1 MiB, past it in an ephemeral file
    (ciphertext on disk, `ephemeral.py`). Returns the artifact and what `write` returned."""
    out = SpooledFile(SPOOL_MEMORY_BYTES)
    try:
        outcome = write(cast(BinaryIO, out))
    except BaseException:
        out.close()
        raise
    return ArtifactData(role, name, media_type, out.release(), url), outcome


def response_headers(exchange: Exchange) -> dict[str, Any]:
    """Status line and header fields in the order the server sent them."""
    head = exchange.response_head
    assert head is not None
    return {
        "url": exchange.url,
        "status_line": " ".join(head.start),
        "headers": [[name, value] for name, value in head.headers],
        "raw_head_sha256": hashlib.sha256(head.raw).hexdigest(),
    }


def certificate_artifacts(exchange: Exchange) -> tuple[ArtifactData | None, dict[str, Any]]:
    """The PEM chain of the connection that served `exchange` and a summary for details."""
    if exchange.tls is None or not exchange.tls.chain_der:
        return None, {}
    certs = [x509.load_der_x509_certificate(der) for der in exchange.tls.chain_der]
    pem = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)
    summary = {
        "host_url": exchange.url,
        "tls_version": exchange.tls.version,
        "cipher": exchange.tls.cipher,
        "alpn": exchange.tls.alpn,
        "protocol": exchange.protocol,
        "chain_verified": exchange.tls.verified,
        "chain_error": exchange.tls.verify_error,
        "certificate_verify": exchange.tls.certificate_verify,
        "client_hello": exchange.tls.client_hello,
        "chain": [
            {
                "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "serial": format(cert.serial_number, "x"),
                "not_before": iso(cert.not_valid_before_utc),
                "not_after": iso(cert.not_valid_after_utc),
                "sha256": hashlib.sha256(der).hexdigest(),
            }
            for cert, der in zip(certs, exchange.tls.chain_der, strict=True)
        ],
    }
    artifact = ArtifactData(
        "tls-certificates", "tls-chain.pem", "application/x-pem-file", pem, exchange.url
    )
    return artifact, summary


HANDSHAKE_SECRETS = ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET")
"""The key log labels that decrypt a TLS 1.3 handshake and no application data."""


def tls_handshakes(exchanges: list[Exchange], logged_in: bool = False) -> ArtifactData | None:
    """Every passed-through connection's handshake records (as on the wire, hex) and the
    browser's key log lines for it: with them anyone can decrypt the handshake and check the
    server's certificate and CertificateVerify signature (e.g. Wireshark with the key log).

    `logged_in`: only the lines that decrypt the handshake alone are kept (TLS 1.3's
    handshake secrets; a TLS 1.2 master secret decrypts the traffic too), the others are
    named in `keylog_withheld`: with them and a recording of the wire, anyone could read the
    session's cookies in the browser's requests."""
    connections: list[dict[str, Any]] = []
    seen: set[int] = set()
    for exchange in exchanges:
        tls = exchange.tls
        if tls is None or not tls.handshake_records or id(tls) in seen:
            continue
        seen.add(id(tls))
        connections.append(
            {
                "first_url": exchange.url,
                "server_ip": exchange.ip,
                "tls_version": tls.version,
                "cipher": tls.cipher,
                "alpn": tls.alpn,
                "certificate_verify": tls.certificate_verify,
                **_keylog(tls.keylog, logged_in),
                "records": [
                    {"from": side, "hex": raw.hex()} for side, raw in tls.handshake_records
                ],
            }
        )
    if not connections:
        return None
    return json_artifact("tls-handshakes", "tls-handshakes.json", connections)


def _keylog(lines: list[str], logged_in: bool) -> dict[str, list[str]]:
    if not logged_in:
        return {"keylog": lines}
    kept = [line for line in lines if line.split(" ", 1)[0] in HANDSHAKE_SECRETS]
    withheld = [line.split(" ", 1)[0] for line in lines if line not in kept]
    return {"keylog": kept, "keylog_withheld": withheld}


def failed_requests(exchanges: list[Exchange], browser_failures: list[dict[str, Any]]) -> list:
    """Requests that were blocked, errored or cut off, as the recorder and the browser saw them."""
    found: list[dict[str, Any]] = [
        {
            "url": exchange.url,
            "method": exchange.method,
            "status": exchange.status,
            "error": exchange.error,
            "truncated": exchange.truncated,
            "blocked": exchange.blocked,
            "seen_by": "recorder",
        }
        for exchange in exchanges
        if exchange.error or exchange.truncated
    ]
    return found + [{**failure, "seen_by": "browser"} for failure in browser_failures]
