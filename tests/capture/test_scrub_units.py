"""The scrubber and the seal on their own: header redaction, same-length markers across
piece boundaries and encodings, encoded bodies stored decoded, seals that refuse tampering."""

import gzip
import hashlib
import io
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from archive.errors import EvidenceError
from archive.provenance import sealing
from collector.capture.exchange import Exchange
from collector.capture.httpwire import parse_head
from collector.capture.scrub import Scrubber, marker
from collector.capture.scrubrecords import learn_exchanges, scrubbed_request, scrubbed_response
from collector.capture.spool import Spool

SECRET = "s3cr3t-session-0123456789abcdef"


def _spool(data: bytes) -> Spool:
    spool = Spool()
    spool.write(data)
    return spool


def _exchange(request: bytes, head: bytes, body: bytes) -> Exchange:
    exchange = Exchange(
        "https://a.test/x", "GET", datetime.now(UTC), _spool(request), _spool(head + body)
    )
    exchange.body_start = len(head)
    exchange.response_head = parse_head(head)
    exchange.status = 200
    return exchange


def test_markers_keep_length_and_cover_encoded_forms() -> None:
    scrubber = Scrubber({"tok/en+value=="})
    text = 'a tok/en+value== b tok%2Fen%2Bvalue%3D%3D c "tok\\/en"'
    scrubbed, count = scrubber.scrub_text(text)
    assert count == 2 and len(scrubbed) == len(text)
    assert "tok/en+value==" not in scrubbed and "tok%2Fen%2Bvalue%3D%3D" not in scrubbed
    assert marker(14) == b"[redacted----]" and len(marker(5)) == 5


def test_short_values_are_not_secrets() -> None:
    scrubber = Scrubber()
    scrubber.learn(["en", "1", "abcdefgh"])
    assert scrubber.secrets == {"abcdefgh"}


def test_stream_scrubs_across_piece_boundaries() -> None:
    scrubber = Scrubber({SECRET})
    data = (b"x" * 1000 + SECRET.encode()) * 5
    for size in (1, 7, 31, 1024):
        counter = [0]
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        out = b"".join(scrubber.scrub_stream(pieces, counter))
        assert counter[0] == 5 and len(out) == len(data) and SECRET.encode() not in out


def test_credential_headers_keep_their_names_and_values_are_learned() -> None:
    request = (
        b"GET /x?t=" + SECRET.encode() + b" HTTP/1.1\r\nHost: a.test\r\n"
        b"Cookie: sid=cookievalue-123456; lang=en\r\nAuthorization: Bearer bearer-token-987654\r\n"
        b"X-CSRFToken: csrf-value-abcdefgh\r\n\r\n"
    )
    head = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=rotated-value-7777777; HttpOnly\r\n"
    head += b"Content-Length: 40\r\n\r\n"
    exchange = _exchange(request, head, b'{"echo": "rotated-value-7777777", "n": 1}'[:40])
    scrubber = Scrubber({SECRET})
    learn_exchanges([exchange], scrubber)
    assert {"cookievalue-123456", "bearer-token-987654", "rotated-value-7777777"} <= (
        scrubber.secrets
    )
    req = scrubbed_request(exchange, scrubber, {"record": "r1"}).read()
    assert b"Cookie: [redacted:cookie]" in req and b"Authorization: [redacted:authorization]" in req
    assert b"X-CSRFToken: [redacted:csrf-token]" in req and SECRET.encode() not in req
    resp = scrubbed_response(exchange, scrubber, {"record": "r2"}, 1 << 20).read()
    assert b"Set-Cookie: [redacted:set-cookie]" in resp and b"rotated-value" not in resp
    assert len(resp) - resp.index(b"\r\n\r\n") - 4 == 40  # body keeps its length
    fields = {(r.where["record"], r.field, r.reason) for r in scrubber.redactions}
    assert ("r1", "header cookie", "cookie") in fields
    assert ("r2", "payload", "session-value") in fields


def test_gzip_body_hiding_a_secret_is_stored_decoded() -> None:
    body = gzip.compress(b'{"session": "' + SECRET.encode() + b'"}' * 50)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
    head += str(len(body)).encode() + b"\r\nContent-Type: application/json\r\n\r\n"
    exchange = _exchange(b"GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n", head, body)
    scrubber = Scrubber({SECRET})
    block = scrubbed_response(exchange, scrubber, {"record": "r"}, 1 << 20).read()
    new_head, _, new_body = block.partition(b"\r\n\r\n")
    assert b"content-encoding" not in new_head.lower()
    assert f"Content-Length: {len(new_body)}".encode() in new_head
    assert new_body.startswith(b'{"session": "[redacted') and SECRET.encode() not in new_body
    assert any(r.field == "encoding" for r in scrubber.redactions)


def test_gzip_body_without_secret_is_kept_as_transferred() -> None:
    body = gzip.compress(b"nothing to see")
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
    head += str(len(body)).encode() + b"\r\n\r\n"
    exchange = _exchange(b"GET / HTTP/1.1\r\n\r\n", head, body)
    block = scrubbed_response(exchange, Scrubber({SECRET}), {"record": "r"}, 1 << 20).read()
    assert block == head + body


def _key() -> tuple[X25519PrivateKey, bytes]:
    private = X25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.mark.parametrize("size", [0, 5, sealing.CHUNK_BYTES, sealing.CHUNK_BYTES * 2 + 3])
def test_seal_round_trip(size: int) -> None:
    private, public = _key()
    plain = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = io.BytesIO()
    digest = sealing.seal(io.BytesIO(plain), public, sealed)
    out = io.BytesIO()
    assert sealing.unseal(io.BytesIO(sealed.getvalue()), private, out) == digest
    assert out.getvalue() == plain


@pytest.mark.parametrize("size", [0, 1, sealing.CHUNK_BYTES, sealing.CHUNK_BYTES * 2 + 3])
@pytest.mark.parametrize("piece", [1, 7_919, sealing.CHUNK_BYTES + 1])
def test_sealer_seals_as_written_in_any_pieces(size: int, piece: int) -> None:
    private, public = _key()
    plain = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = io.BytesIO()
    sealer = sealing.Sealer(public, sealed)
    for start in range(0, len(plain), piece):
        sealer.write(plain[start : start + piece])
    digest = sealer.finish()
    assert sealer.size == size and digest == hashlib.sha256(plain).hexdigest()
    chunks = max(1, -(-size // sealing.CHUNK_BYTES))
    assert len(sealed.getvalue()) == 8 + 32 + size + chunks * sealing.TAG_BYTES, "seal's layout"
    out = io.BytesIO()
    assert sealing.unseal(io.BytesIO(sealed.getvalue()), private, out) == digest
    assert out.getvalue() == plain


def test_seal_refuses_tampering_truncation_and_other_keys() -> None:
    private, public = _key()
    sealed = io.BytesIO()
    sealing.seal(io.BytesIO(b"y" * (sealing.CHUNK_BYTES + 10)), public, sealed)
    data = sealed.getvalue()
    flipped = bytearray(data)
    flipped[-1] ^= 1
    cut = data[: len(sealing.MAGIC) + 32 + sealing.CHUNK_BYTES + sealing.TAG_BYTES]
    for bad, key in ((bytes(flipped), private), (cut, private), (data, _key()[0])):
        with pytest.raises(EvidenceError):
            sealing.unseal(io.BytesIO(bad), key, io.BytesIO())
    with pytest.raises(EvidenceError, match="not a sealed file"):
        sealing.unseal(io.BytesIO(b"plain"), private, io.BytesIO())


def test_seal_key_made_once_and_private(tmp_path) -> None:
    first = sealing.seal_public_key(tmp_path)
    assert sealing.seal_public_key(tmp_path) == first
    private_path, public_path = sealing.seal_key_paths(tmp_path)
    assert private_path.stat().st_mode & 0o777 == 0o600 and public_path.is_file()
    with pytest.raises(EvidenceError, match="no sealing key"):
        sealing.load_seal_private_key(tmp_path / "elsewhere")
