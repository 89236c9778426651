"""Re-sort the certificate SET of an RFC 3161 response into DER order.

Many public TSAs embed their certificates in a SET OF that is not in DER order (X.690
11.6: ascending by encoding). OpenSSL accepts those responses; strict parsers such as
rfc3161-client's refuse them (`InvalidSetOrdering`). The certificates field is outside the
signature, and sorting elements of equal total length changes no length octet, so the result
is the same size and every signature still verifies. Callers keep the original bytes as
evidence and use the re-sorted copy only for parsing.

Hand-written (about 40 lines of TLV walking) because no ASN.1 library is a dependency and the
change is confined to one field whose path is fixed by RFC 3161 / RFC 5652:
TimeStampResp.timeStampToken(ContentInfo).content[0](SignedData).certificates[0].
"""


def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the TLV at `pos` (definite lengths only)."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    count = first & 0x7F
    if count == 0 or count > 4:
        raise ValueError("unsupported DER length")
    length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
    start = pos + 2 + count
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, tlv start, content start, tlv end) of each TLV in data[start:end]."""
    items = []
    pos = start
    while pos < end:
        tag, content, stop = _header(data, pos)
        items.append((tag, pos, content, stop))
        pos = stop
    return items


def resort_certificates(response: bytes) -> bytes:
    """A copy of a DER TimeStampResp whose embedded certificate SET is in DER order."""
    _, start, end = _header(response, 0)
    parts = _children(response, start, end)
    if len(parts) < 2:
        return response  # no token (a rejection): nothing to sort
    _, _, token_start, token_end = parts[1]
    content_info = _children(response, token_start, token_end)
    if len(content_info) < 2 or content_info[1][0] != 0xA0:
        raise ValueError("timeStampToken is not a ContentInfo with content")
    _, _, explicit_start, explicit_end = content_info[1]
    signed_data = _children(response, explicit_start, explicit_end)[0]
    fields = _children(response, signed_data[2], signed_data[3])
    certificates = next((f for f in fields if f[0] == 0xA0), None)
    if certificates is None:
        return response
    _, _, cert_start, cert_end = certificates
    elements = [response[a:b] for _, a, _, b in _children(response, cert_start, cert_end)]
    width = max(len(e) for e in elements)
    elements.sort(key=lambda e: e.ljust(width, b"\x00"))
    return response[:cert_start] + b"".join(elements) + response[cert_end:]
