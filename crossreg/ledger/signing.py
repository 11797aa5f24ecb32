"""Checkpoint signing: the Ed25519 key, the checkpoint text and the signed-note export.

The signed text of a checkpoint is a C2SP ``tlog-checkpoint`` body with one extension line::

    <origin>\\n<tree size>\\n<base64 root hash>\\ntime <UTC, RFC 3339 with microseconds>\\n

and the signature is Ed25519 over exactly those bytes. Exported as a C2SP signed note it is followed
by an empty line and ``— <origin> <base64(key id ‖ signature)>``, where the key id is the first four
bytes of SHA-256(origin ‖ "\\n" ‖ 0x01 ‖ public key). See docs/ledger.md.

The key comes from ``CROSSREG_LEDGER_SIGNING_KEY`` (a PEM file path, or 64 hex characters: the raw
32-byte seed). In development (``CROSSREG_DEBUG=true``) with none configured, one is generated once
and kept in ``<CROSSREG_VAR_DIR>/ledger/signing-key.pem`` (mode 0600); in production a missing key
is an error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_ORIGIN = "crossreg.yancheng/ledger"
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")
_cache: dict[str, Ed25519PrivateKey] = {}


def log_origin() -> str:
    origin: str = settings.CROSSREG.get("LEDGER_ORIGIN") or DEFAULT_ORIGIN
    return origin


def dev_key_path() -> Path:
    return Path(settings.VAR_DIR) / "ledger" / "signing-key.pem"


def _load_configured(value: str) -> Ed25519PrivateKey:
    value = value.strip()
    if _HEX_KEY.match(value):
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value))
    path = Path(value)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"CROSSREG_LEDGER_SIGNING_KEY is neither 64 hex characters nor the path of a PEM file: {value!r}"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"CROSSREG_LEDGER_SIGNING_KEY: cannot read {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"CROSSREG_LEDGER_SIGNING_KEY: {path} is not an Ed25519 key")
    return key


def _dev_key() -> Ed25519PrivateKey:
    path = dev_key_path()
    if path.exists():
        return _load_configured(str(path))
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "CROSSREG_LEDGER_SIGNING_KEY is required in production (CROSSREG_DEBUG=false): "
            "set it to a PEM file path or 64 hex characters"
        )
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return key


def signing_key() -> Ed25519PrivateKey:
    configured: str = settings.CROSSREG.get("LEDGER_SIGNING_KEY") or ""
    cache_key = configured or f"dev:{dev_key_path()}"
    if cache_key not in _cache:
        _cache[cache_key] = _load_configured(configured) if configured else _dev_key()
    return _cache[cache_key]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(origin: str, public: bytes) -> bytes:
    return hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]


def format_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checkpoint_text(*, origin: str, size: int, root: bytes, when: dt.datetime) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\ntime {format_time(when)}\n"


@dataclass(frozen=True)
class ParsedCheckpoint:
    origin: str
    size: int
    root: bytes
    time: str


def parse_checkpoint_text(text: str) -> ParsedCheckpoint:
    lines = text.split("\n")
    if len(lines) < 5 or lines[-1] != "" or not lines[3].startswith("time "):
        raise ValueError("not a crossreg checkpoint text")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32 or not lines[1].isdigit():
        raise ValueError("bad size or root line")
    return ParsedCheckpoint(origin=lines[0], size=int(lines[1]), root=root, time=lines[3][5:])


def sign(text: str, key: Ed25519PrivateKey) -> bytes:
    return key.sign(text.encode("utf-8"))


def verify_signature(text: str, signature: bytes, public: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_note(*, origin: str, text: str, signature: bytes, public: bytes) -> str:
    blob = base64.b64encode(key_id(origin, public) + signature).decode()
    return f"{text}\n\u2014 {origin} {blob}\n"


def verifier_key(*, origin: str, public: bytes) -> str:
    """The C2SP note verifier key string ``<name>+<hex key id>+<base64(0x01 ‖ key)>``."""
    encoded = base64.b64encode(b"\x01" + public).decode()
    return f"{origin}+{key_id(origin, public).hex()}+{encoded}"
