"""RFC 3161 answers read with asn1crypto: the PKI status, the TSTInfo fields (message
imprint, serial number, genTime, nonce) and the embedded certificates, by name.

`der_ordered` also gives a copy whose certificate SET is in DER order. Many public TSAs embed
their certificates in a SET OF that is not in DER order (X.690 11.6: ascending by encoding).
OpenSSL and asn1crypto accept those answers; rfc3161-client's strict parser, which verifies the
CMS signature and chain, refuses them (`InvalidSetOrdering`). The certificates field is outside
the signature and sorting elements of one SET changes no length, so only those bytes move and
every signature still verifies. Callers keep the original bytes as evidence and give the
re-sorted copy to rfc3161-client only.
"""

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp
from asn1crypto.core import Void

GRANTED = ("granted", "granted_with_mods")


class TimeStampResp(tsp.TimeStampResp):
    """RFC 3161 2.4.2 TimeStampResp. asn1crypto 1.5 declares `timeStampToken` required; the
    RFC makes it OPTIONAL (a refusal carries only the status), so it is optional here."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class TimestampAnswer:
    """What a TimeStampResp says (the token's fields are None when the TSA refused)."""

    status: str
    status_text: list[str]
    imprint_algorithm: str | None = None  # dotted OID
    imprint: bytes | None = None
    serial_number: int | None = None
    gen_time: datetime | None = None
    nonce: int | None = None
    certificates: tuple[bytes, ...] = ()  # DER, in the order embedded

    @property
    def granted(self) -> bool:
        """The TSA granted a token (possibly with modifications)."""
        return self.status in GRANTED and self.gen_time is not None


def read_answer(raw: bytes) -> TimestampAnswer:
    """The fields of a DER TimeStampResp; ValueError when `raw` is not one."""
    try:  # asn1crypto parses lazily: a malformed field raises when it is read
        return _answer(TimeStampResp.load(raw, strict=True))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"not an RFC 3161 response: {exc}") from exc


def _answer(response: TimeStampResp) -> TimestampAnswer:
    status = response["status"]
    text = [str(line) for line in status["status_string"].native or []]
    token = response["time_stamp_token"]
    if isinstance(token, Void):
        return TimestampAnswer(status["status"].native, text)
    signed: cms.SignedData = token["content"]
    info = signed["encap_content_info"]["content"].parsed
    if not isinstance(info, tsp.TSTInfo):
        raise ValueError("not an RFC 3161 response: the token holds no TSTInfo")
    imprint = info["message_imprint"]
    certificates = signed["certificates"]
    return TimestampAnswer(
        status=status["status"].native,
        status_text=text,
        imprint_algorithm=imprint["hash_algorithm"]["algorithm"].dotted,
        imprint=imprint["hashed_message"].native,
        serial_number=info["serial_number"].native,
        gen_time=info["gen_time"].native,
        nonce=info["nonce"].native,
        certificates=tuple(c.dump() for c in certificates) if len(certificates) else (),
    )


def der_ordered(raw: bytes) -> bytes:
    """A copy of a DER TimeStampResp whose embedded certificate SET is in DER order."""
    token = TimeStampResp.load(raw, strict=True)["time_stamp_token"]
    if isinstance(token, Void):
        return raw  # no token (a refusal): nothing to sort
    certificates = token["content"]["certificates"]
    if isinstance(certificates, Void) or not len(certificates):
        return raw
    encoded = certificates.dump()
    if raw.count(encoded) != 1:
        raise ValueError("the certificate set is not found once in the response")
    elements = [c.dump() for c in certificates]
    width = max(len(e) for e in elements)
    header = encoded[: len(encoded) - len(certificates.contents)]
    ordered = header + b"".join(sorted(elements, key=lambda e: e.ljust(width, b"\x00")))
    return raw.replace(encoded, ordered)
