"""Contact details at rest: Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The key is ``settings.CROSSREG["COMPLAINTS_CONTACT_KEY"]`` — one Fernet key, or a list of keys
whose first encrypts and all decrypt (``MultiFernet``: rotate by putting the new key first, then
re-encrypt with ``contact_reencrypt``). Without a configured key one is derived from
``SECRET_KEY`` with HKDF-SHA256 (development and tests only; production sets its own and keeps it
out of the database and its backups, so that a stolen dump does not reveal who reported whom).
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from crossreg.complaints import conf


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"crossreg.complaints", info=b"contact").derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        return MultiFernet([Fernet(_derived_key(secret))])
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _current() -> MultiFernet:
    raw = conf.get("COMPLAINTS_CONTACT_KEY") or ()
    keys = (raw,) if isinstance(raw, str | bytes) else tuple(raw)
    return _fernet(tuple(k for k in keys if k), settings.SECRET_KEY)


def contact_encrypt(contact: dict[str, Any]) -> str:
    """Encrypt the non-empty fields of ``contact``; an empty contact is stored as ``""``."""
    clean = {k: v for k, v in contact.items() if v}
    if not clean:
        return ""
    return _current().encrypt(json.dumps(clean, ensure_ascii=False).encode()).decode()


def contact_decrypt(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return dict(json.loads(_current().decrypt(token.encode())))
    except InvalidToken:
        return {"error": "key"}


def contact_reencrypt(token: str) -> str:
    """The same contact under the current (first) key."""
    return _current().rotate(token.encode()).decode() if token else ""
