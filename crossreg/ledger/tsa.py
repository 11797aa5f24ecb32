"""RFC 3161 timestamping of checkpoints, with hand-rolled DER (no extra dependency).

``timestamp(url=…, data=…)`` sends a TimeStampReq for SHA-256(data) with a random nonce and
``certReq = TRUE`` over HTTP(S) POST (``application/timestamp-query``), checks that the reply is
granted and that the token's TSTInfo carries our hash and nonce, and returns the TimeStampToken
(a CMS ContentInfo, DER). What is *not* checked here: the TSA's CMS signature and certificate chain.
Check those with ``openssl ts -verify`` against the TSA's certificate (docs/ledger.md).
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

SHA256_OID = bytes.fromhex("608648016503040201")  # 2.16.840.1.101.3.4.2.1
SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
TSTINFO_OID = bytes.fromhex("2a864886f70d0109100104")  # 1.2.840.113549.1.9.16.1.4


class TimestampError(Exception):
    pass


# --- DER -----------------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def der_int(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return tlv(0x02, raw)


def read_tlv(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        raise TimestampError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise TimestampError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise TimestampError("truncated DER")
    return tag, data[pos : pos + length], pos + length


def children(content: bytes) -> list[tuple[int, bytes, bytes]]:
    """(tag, content, whole element) of each element inside a constructed value."""
    out = []
    pos = 0
    while pos < len(content):
        start = pos
        tag, inner, pos = read_tlv(content, pos)
        out.append((tag, inner, content[start:pos]))
    return out


# --- RFC 3161 ------------------------------------------------------------------------------------


def request_der(digest: bytes, nonce: int) -> bytes:
    algorithm = tlv(0x30, tlv(0x06, SHA256_OID) + b"\x05\x00")
    imprint = tlv(0x30, algorithm + tlv(0x04, digest))
    return tlv(0x30, der_int(1) + imprint + der_int(nonce) + b"\x01\x01\xff")


@dataclass(frozen=True)
class TstInfo:
    digest: bytes
    gen_time: str
    nonce: int | None


def parse_request(der: bytes) -> tuple[bytes, int | None]:
    """(digest, nonce) of a TimeStampReq (for tests and the fake TSA)."""
    _, body, _ = read_tlv(der)
    parts = children(body)
    imprint = children(parts[1][1])
    nonce = next((int.from_bytes(c, "big", signed=True) for t, c, _ in parts[2:] if t == 0x02), None)
    return imprint[1][1], nonce


def token_tstinfo(token: bytes) -> TstInfo:
    """Dig the TSTInfo out of a TimeStampToken (ContentInfo → SignedData → encapContentInfo)."""
    _, content_info, _ = read_tlv(token)
    ci = children(content_info)
    if ci[0][1] != SIGNED_DATA_OID:
        raise TimestampError("token is not CMS SignedData")
    signed_data = children(children(ci[1][1])[0][1])
    encap = children(signed_data[2][1])
    if encap[0][1] != TSTINFO_OID:
        raise TimestampError("token does not hold a TSTInfo")
    _, tst_der, _ = read_tlv(children(encap[1][1])[0][2])  # OCTET STRING → TSTInfo DER
    _, tst_body, _ = read_tlv(tst_der)
    fields = children(tst_body)
    imprint = children(fields[2][1])
    gen_time = fields[4][1].decode("ascii")
    nonce = next(
        (int.from_bytes(c, "big", signed=True) for t, c, _ in fields[5:] if t == 0x02),
        None,
    )
    return TstInfo(digest=imprint[1][1], gen_time=gen_time, nonce=nonce)


def parse_response(der: bytes) -> bytes:
    """The TimeStampToken of a granted TimeStampResp; raises TimestampError otherwise."""
    _, body, _ = read_tlv(der)
    parts = children(body)
    status_info = children(parts[0][1])
    status = int.from_bytes(status_info[0][1], "big")
    if status not in (0, 1):
        raise TimestampError(f"the timestamp authority refused (PKIStatus {status})")
    if len(parts) < 2:
        raise TimestampError("granted reply without a token")
    return parts[1][2]


def timestamp(*, url: str, data: bytes, timeout: float = 10.0) -> bytes:
    digest = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    req = urllib.request.Request(
        url,
        data=request_der(digest, nonce),
        headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            reply = resp.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"timestamp authority {url} unreachable: {exc}") from exc
    try:
        token = parse_response(reply)
        info = token_tstinfo(token)
    except (IndexError, ValueError, TimestampError) as exc:
        raise TimestampError(f"unusable reply from {url}: {exc}") from exc
    if info.digest != digest:
        raise TimestampError("the token timestamps a different hash")
    if info.nonce != nonce:
        raise TimestampError("the token's nonce does not match the request")
    return token
