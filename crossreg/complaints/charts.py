"""A server-rendered SVG bar chart (no JavaScript, no CDN): escaped labels, one bar per row."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart_svg(
    rows: Sequence[tuple[str, int]], *, title: str, width: int = 360, bar: int = 22
) -> SafeString:
    rows = list(rows)[:12]
    top = max((n for _, n in rows), default=0) or 1
    label_w, gap = 110, 6
    height = len(rows) * (bar + gap) + 28
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" data-testid="chart">',
        f"<title>{escape(title)}</title>",
    ]
    span = width - label_w - 50
    for i, (label, n) in enumerate(rows):
        y = 20 + i * (bar + gap)
        w = max(1, round(span * n / top))
        short = label if len(label) <= 8 else label[:7] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.7:.0f}" text-anchor="end" font-size="12">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="#2f6f9f"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{label_w + w + 4}" y="{y + bar * 0.7:.0f}" font-size="12">{n}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
