"""Uploaded import files kept between the dry run and the confirmation of the import page.

The dry run checks the file and writes nothing to the catalog; the file itself waits here, under
``MEDIA_ROOT/catalog-imports/<user id>/<token>.bin`` with its name and import mode beside it, until
the same user confirms (then it is removed) or for a day (older files of the user are removed at
their next upload). The token is random: a user cannot confirm another user's file, and the path
is never built from anything the browser sends but a token that is checked to be hex.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Staged:
    token: str
    data: bytes
    filename: str
    mode: str


def _dir(user_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "catalog-imports" / str(int(user_id))


def stage_save(*, user_id: int, data: bytes, filename: str, mode: str) -> str:
    """Keep ``data`` for ``user_id``'s confirmation; returns the token that names it."""
    folder = _dir(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"filename": filename, "mode": mode, "sha256": hashlib.sha256(data).hexdigest()}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def stage_load(*, user_id: int, token: str) -> Staged | None:
    """The file ``user_id`` staged under ``token``, or None (unknown, expired or altered)."""
    if not _TOKEN.match(token or ""):
        return None
    folder = _dir(user_id)
    data_path, meta_path = folder / f"{token}.bin", folder / f"{token}.json"
    try:
        if data_path.stat().st_mtime < time.time() - MAX_AGE_SECONDS:
            return None
        data = data_path.read_bytes()
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None
    return Staged(token=token, data=data, filename=str(meta["filename"]), mode=str(meta["mode"]))


def stage_drop(*, user_id: int, token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    folder = _dir(user_id)
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
