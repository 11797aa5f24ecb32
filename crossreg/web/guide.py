"""The user guides (``docs/guide/<role>.md``) served as help pages, linked from every page.

The guides are short Markdown files kept with the code; this renders the small subset they use
(headings, paragraphs, lists, links, ``code`` and **bold**), escaping everything else, so no
Markdown library is needed.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

#: role -> guide file (several roles share one)
ROLE_GUIDES: dict[str, str] = {
    "officer": "officer",
    "staff": "staff",
    "dept_admin": "staff",
    "dept_head": "staff",
    "approval": "approval",
    "justice": "justice",
    "legal": "justice",
    "leader": "leader",
    "bigdata": "leader",
    "admin": "leader",
    "hotline": "hotline",
    "finance": "hotline",
    "credit": "credit",
    "auditor": "auditor",
}
GUIDES = ("officer", "staff", "approval", "justice", "leader", "hotline", "credit", "auditor", "public")


def guide_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "guide"


def guide_for_role(role: str | None) -> str:
    return ROLE_GUIDES.get(role or "", "public")


def guide_url_for(user: Any) -> str:
    if user is None or not user.is_authenticated:
        return reverse("help_guide", args=["public"])
    role = "admin" if user.is_superuser else getattr(user, "role", "")
    return reverse("help_guide", args=[guide_for_role(role)])


def guide_path(name: str) -> Path | None:
    """The guide in the current language (``docs/guide/en/<name>.md`` for English), else Chinese."""
    if name not in GUIDES:
        return None
    lang = (get_language() or "zh-hans").lower()
    candidates = [guide_dir() / "en" / f"{name}.md"] if lang.startswith("en") else []
    candidates.append(guide_dir() / f"{name}.md")
    return next((p for p in candidates if p.is_file()), None)


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
]
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    for rx, rep in _INLINE:
        out = rx.sub(rep, out)

    def link(m: re.Match[str]) -> str:
        href = m.group(2)
        if not (href.startswith("/") or href.startswith("#") or href.startswith("https://")):
            if href.endswith(".md"):  # another guide
                href = reverse("help_guide", args=[href.rsplit("/", 1)[-1][:-3]])
            else:
                return m.group(1)
        return f'<a href="{href}">{m.group(1)}</a>'

    return _LINK.sub(link, out)


def render_markdown(text: str) -> SafeString:
    """The guides' Markdown subset as HTML (everything escaped first)."""
    out: list[str] = []
    para: list[str] = []
    list_kind: str | None = None

    def flush() -> None:
        nonlocal list_kind
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if list_kind:
            out.append(f"</{list_kind}>")
            list_kind = None

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        m = re.match(r"^(#{1,4})\s+(.*)$", line)
        if m:
            flush()
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            continue
        m = re.match(r"^\s*(?:[-*]|(\d+)\.)\s+(.*)$", line)
        if m:
            kind = "ol" if m.group(1) else "ul"
            if para:
                out.append("<p>" + _inline(" ".join(para)) + "</p>")
                para.clear()
            if list_kind != kind:
                if list_kind:
                    out.append(f"</{list_kind}>")
                out.append(f"<{kind}>")
                list_kind = kind
            out.append("<li>" + _inline(m.group(2)) + "</li>")
            continue
        if list_kind and raw.startswith("  "):  # a list item's continuation
            out[-1] = out[-1][: -len("</li>")] + " " + _inline(line.strip()) + "</li>"
            continue
        para.append(line.strip())
    flush()
    return mark_safe("\n".join(out))


@cache
def _read(path: Path, mtime: float) -> tuple[str, SafeString]:
    text = path.read_text(encoding="utf-8")
    first = next((ln for ln in text.splitlines() if ln.startswith("# ")), "# ")
    return first[2:].strip(), render_markdown(text)


def guide_render(name: str) -> tuple[str, SafeString] | None:
    path = guide_path(name)
    if path is None:
        return None
    return _read(path, path.stat().st_mtime)
