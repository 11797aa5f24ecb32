"""The CJK font for generated PDFs (fpdf2): case documents, inspection records.

``settings.CROSSREG['CASE_PDF_FONT']`` names a font file; otherwise the first of
:data:`FONT_CANDIDATES` that exists (Debian's ``fonts-noto-cjk`` or ``fonts-wqy-microhei``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def cjk_font() -> str:
    configured = (getattr(settings, "CROSSREG", {}) or {}).get("CASE_PDF_FONT")
    for path in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if path and Path(path).exists():
            return str(path)
    raise RuntimeError(
        "no CJK font for PDF documents: install fonts-noto-cjk or set CROSSREG['CASE_PDF_FONT']"
    )


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG bytes (segno), for a document's proof link."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()
