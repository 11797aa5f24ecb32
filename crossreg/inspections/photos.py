"""Thumbnails of evidence photos: a small JPEG made once with Pillow and kept beside the photo.

The photo itself is never changed (its SHA-256 is in the ledger); the thumbnail is only a view of
it, stored as ``inspections/<task>/thumbs/<sha256>.jpg`` in the same storage.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from crossreg.inspections.models import TaskPhoto

THUMB_PX = 320
THUMB_QUALITY = 70


class NotAnImage(Exception):
    pass


def thumb_name(photo: TaskPhoto) -> str:
    return f"inspections/{photo.task.code}/thumbs/{photo.sha256}.jpg"


def thumbnail(photo: TaskPhoto) -> bytes:
    storage = photo.file.storage
    name = thumb_name(photo)
    if storage.exists(name):
        with storage.open(name, "rb") as f:
            return bytes(f.read())
    data = thumbnail_make(photo.file.open("rb").read())
    photo.file.close()
    storage.save(name, ContentFile(data))
    return data


def thumbnail_make(content: bytes, px: int = THUMB_PX) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as src:
            src.draft("RGB", (px * 2, px * 2))  # JPEG: decode at a reduced size (fast on big photos)
            im: Image.Image = ImageOps.exif_transpose(src)
            im.thumbnail((px, px))
            if im.mode not in ("RGB", "L"):
                im = im.convert("RGB")
            out = io.BytesIO()
            im.save(out, format="JPEG", quality=THUMB_QUALITY, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise NotAnImage(str(exc)) from exc
