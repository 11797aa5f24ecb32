"""Catalog settings, read from ``settings.CROSSREG`` with defaults (local practice, not law)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

#: Days a review may wait before it is listed as overdue, per review stage (calendar days).
DEFAULT_REVIEW_DEADLINE_DAYS: dict[str, int] = {
    "submitted": 5,  # approval bureau convenes the joint review
    "joint_review": 10,  # every involved department concurs or objects
    "first_review": 10,  # city approval bureau's first review of a change request
    "legality_review": 15,  # justice bureau's legality review
}


def review_deadline_days() -> dict[str, int]:
    """``CROSSREG["CATALOG_REVIEW_DEADLINE_DAYS"]`` merged over the defaults."""
    configured = settings.CROSSREG.get("CATALOG_REVIEW_DEADLINE_DAYS", {}) or {}
    out = dict(DEFAULT_REVIEW_DEADLINE_DAYS)
    out.update({str(k): int(v) for k, v in configured.items()})
    return out


def review_deadline(stage: str) -> dt.timedelta:
    return dt.timedelta(days=review_deadline_days().get(stage, 10))


def import_max_rows() -> int:
    """Largest import accepted in one file (rows)."""
    return int(settings.CROSSREG.get("CATALOG_IMPORT_MAX_ROWS", 500_000))


def import_max_bytes() -> int:
    """Largest import file accepted (bytes): ``CATALOG_IMPORT_MAX_BYTES``, else the platform's
    ``UPLOAD_MAX_BYTES``, else 50 MiB."""
    configured = settings.CROSSREG.get("CATALOG_IMPORT_MAX_BYTES") or settings.CROSSREG.get(
        "UPLOAD_MAX_BYTES"
    )
    return int(configured or 50 * 1024 * 1024)


def public_page_size() -> int:
    return int(settings.CROSSREG.get("CATALOG_PAGE_SIZE", 50))
