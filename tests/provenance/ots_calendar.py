"""A loopback OpenTimestamps calendar built with the `opentimestamps` library.

`POST /digest` answers the calendar protocol's Timestamp: the digest, an append of the
calendar's own nonce, SHA-256, then a PendingAttestation naming this calendar. Until `mine()`
is called, `GET /timestamp/<commitment>` answers 404 (what a calendar says of a commitment not
yet in a block); after it, the path on to a BitcoinBlockHeaderAttestation: commitment `i` is in
block `HEIGHT + i`, whose header (`header(i)`, 80 bytes) has SHA-256(commitment) as its Merkle
root.
"""

import os
from http.server import BaseHTTPRequestHandler
from typing import Any

from bitcoin.core import CBlockHeader
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
from opentimestamps.core.op import OpAppend, OpSHA256
from opentimestamps.core.serialize import BytesSerializationContext
from opentimestamps.core.timestamp import Timestamp

from tests.support.loopback import LoopbackServer

HEIGHT = 870_000
BLOCK_TIME = 1_733_097_600  # 2024-12-02 00:00:00 UTC


def _bytes(timestamp: Timestamp) -> bytes:
    ctx = BytesSerializationContext()
    timestamp.serialize(ctx)
    return ctx.getbytes()


class OtsCalendar:
    """The calendar; `url` goes into `ots_calendars`."""

    def __init__(self) -> None:
        self.commitments: list[bytes] = []
        self.mined = False
        self.submissions = 0
        calendar = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.opentimestamps.v1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                digest = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                calendar.submissions += 1
                self._send(200, _bytes(calendar.submit(digest)))

            def do_GET(self) -> None:
                commitment = bytes.fromhex(self.path.rsplit("/", 1)[-1])
                if not calendar.mined or commitment not in calendar.commitments:
                    self._send(404, b"Commitment not found")
                    return
                done = Timestamp(commitment)
                height = HEIGHT + calendar.commitments.index(commitment)
                done.ops.add(OpSHA256()).attestations.add(BitcoinBlockHeaderAttestation(height))
                self._send(200, _bytes(done))

        self.loopback = LoopbackServer(Handler)
        self.server = self.loopback.server
        self.url = self.loopback.base

    def submit(self, digest: bytes) -> Timestamp:
        """The pending Timestamp a calendar answers for `digest`."""
        timestamp = Timestamp(digest)
        commitment = timestamp.ops.add(OpAppend(os.urandom(8))).ops.add(OpSHA256())
        commitment.attestations.add(PendingAttestation(self.url))
        self.commitments.append(commitment.msg)
        return timestamp

    def mine(self) -> None:
        """From now on, every commitment is in a block."""
        self.mined = True

    def header(self, index: int = 0) -> bytes:
        """The 80-byte header of block `HEIGHT + index`, holding commitment `index`."""
        root = OpSHA256()(self.commitments[index])
        block = CBlockHeader(nVersion=4, hashPrevBlock=b"\0" * 32, hashMerkleRoot=root,
                             nTime=BLOCK_TIME, nBits=0x1D00FFFF, nNonce=0)  # fmt: skip
        return block.serialize()

    def start(self) -> "OtsCalendar":
        """Serve on a loopback port."""
        self.loopback.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.loopback.stop()
