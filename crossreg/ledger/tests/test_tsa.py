"""RFC 3161 timestamping of checkpoints, against a small in-process fake TSA on the loopback.

The fake authority parses our TimeStampReq and answers with a TimeStampResp whose token holds a
TSTInfo (it does not sign it: the platform does not verify TSA signatures either, see docs/ledger.md).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crossreg.ledger import services, tsa
from crossreg.ledger.tsa import der_int, tlv

pytestmark = pytest.mark.django_db


def fake_response(digest: bytes, nonce: int | None, *, status: int = 0, wrong_digest: bool = False) -> bytes:
    if status not in (0, 1):
        return tlv(0x30, tlv(0x30, der_int(status)))
    algorithm = tlv(0x30, tlv(0x06, tsa.SHA256_OID) + b"\x05\x00")
    imprint = tlv(0x30, algorithm + tlv(0x04, hashlib.sha256(b"x").digest() if wrong_digest else digest))
    tst_info = tlv(
        0x30,
        der_int(1)
        + tlv(0x06, bytes.fromhex("2a0304"))
        + imprint
        + der_int(7)
        + tlv(0x18, b"20261128013000Z")
        + (der_int(nonce) if nonce is not None else b""),
    )
    encap = tlv(0x30, tlv(0x06, tsa.TSTINFO_OID) + tlv(0xA0, tlv(0x04, tst_info)))
    signed_data = tlv(0x30, der_int(3) + tlv(0x31, b"") + encap + tlv(0x31, b""))
    token = tlv(0x30, tlv(0x06, tsa.SIGNED_DATA_OID) + tlv(0xA0, signed_data))
    return tlv(0x30, tlv(0x30, der_int(status)) + token)


class FakeTsa:
    mode = "ok"
    requests: list[bytes]

    def __init__(self) -> None:
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(body)
                digest, nonce = tsa.parse_request(body)
                if outer.mode == "http-error":
                    self.send_response(500)
                    self.end_headers()
                    return
                reply = fake_response(
                    digest,
                    ((nonce or 0) + 1 if outer.mode == "bad-nonce" else nonce),
                    status=2 if outer.mode == "refuse" else 0,
                    wrong_digest=outer.mode == "wrong-digest",
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_tsa(settings: Any) -> Iterator[FakeTsa]:
    server = FakeTsa()
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_TSA_URL": server.url}
    yield server
    server.close()


def test_checkpoint_is_timestamped(fake_tsa: FakeTsa) -> None:
    services.ledger_append(
        actor="system:t", action="a", subject_type="t", subject_id="1", payload={}, evidence=[]
    )
    cp = services.checkpoint_create()
    assert cp.tsa_error == ""
    assert cp.tsa_token is not None
    info = tsa.token_tstinfo(bytes(cp.tsa_token))
    assert info.digest == hashlib.sha256(cp.note.encode()).digest()
    assert info.gen_time == "20261128013000Z"
    digest, nonce = tsa.parse_request(fake_tsa.requests[0])
    assert digest == info.digest and nonce == info.nonce


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("refuse", "refused (PKIStatus 2)"),
        ("http-error", "unreachable"),
        ("bad-nonce", "nonce does not match"),
        ("wrong-digest", "different hash"),
    ],
)
def test_a_failed_timestamp_is_recorded_and_the_checkpoint_still_made(
    fake_tsa: FakeTsa, mode: str, message: str
) -> None:
    fake_tsa.mode = mode
    cp = services.checkpoint_create()
    assert cp.tsa_token is None
    assert message in cp.tsa_error


def test_an_unreachable_tsa(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_TSA_URL": "http://127.0.0.1:9/tsa"}
    cp = services.checkpoint_create()
    assert cp.tsa_token is None and "unreachable" in cp.tsa_error


def test_request_der_is_a_valid_timestamp_req() -> None:
    digest = hashlib.sha256(b"checkpoint").digest()
    der = tsa.request_der(digest, 12345)
    # SEQUENCE { INTEGER 1, MessageImprint { sha256, digest }, INTEGER nonce, BOOLEAN TRUE }
    assert der[:5] == bytes.fromhex("303d020101")
    assert tsa.parse_request(der) == (digest, 12345)
    assert der.endswith(bytes.fromhex("0101ff"))
