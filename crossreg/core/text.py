"""Text hygiene: free text from people and other systems is refused at entry if it carries markup.

Output is escaped everywhere, but values flow on into exports, open data, documents and other
systems that may not escape them. So names, addresses, titles and notes are checked where they
enter: :func:`text_clean` returns the value stripped of surrounding white space, or raises
:class:`~crossreg.core.errors.Invalid` naming the field (code ``markup`` or ``control``).

What counts as markup: an HTML/XML tag (``<b>``, ``</p>``, ``<script …>``, ``<!DOCTYPE``), a
comment or CDATA section, a character or entity reference (``&lt;``, ``&#60;``), and a
``javascript:``/``vbscript:``/``data:`` URL. Text such as ``A&B``, ``<5吨``, ``1<2`` or ``《名称》``
is fine. Control characters (other than tab and, in multi-line text, line breaks) are refused too.

For whole lists, :data:`MARKUP_REGEX` is the same rule as a pattern that polars (Rust regex) and
Python both understand, so an import can check every cell vectorised and report row and column.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from crossreg.core.errors import Invalid, Problem

MARKUP_REGEX = (
    r"(?i)</?[a-z][a-z0-9:_-]*(?:[\s/][^<>]*)?>"  # a tag
    r"|</?[a-z][a-z0-9:_-]*\s+[a-z-]+\s*="  # an unclosed tag with an attribute
    r"|<(?:script|iframe|svg|img|object|embed|style|link|meta|base|form|input)\b"  # even unclosed
    r"|<!|<\?"  # doctype, comment, CDATA, processing instruction
    r"|&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});"  # a character or entity reference
    r"|\b(?:javascript|vbscript)\s*:|\bdata\s*:\s*[a-z]+/[a-z0-9.+-]+[;,]"  # script URLs
)
"""The markup rule as one pattern (Python ``re`` and polars/Rust ``regex`` alike)."""

CONTROL_REGEX = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
"""Control characters refused in any text (tab, line feed and carriage return are handled apart)."""

_MARKUP = re.compile(MARKUP_REGEX)
_CONTROL = re.compile(CONTROL_REGEX)


def has_markup(value: str) -> bool:
    return bool(value) and _MARKUP.search(value) is not None


def text_problem(
    value: str | None, *, field: str, multiline: bool = False, label: str | None = None
) -> Problem | None:
    """The problem with ``value`` as free text (markup, control characters), or None. The message
    names the field by ``label`` (what the form calls it, e.g. “计划名称”) when given, else by
    ``field``."""
    if not value:
        return None
    name = label or field
    if _MARKUP.search(value):
        return Problem(
            message=_("“%(field)s”不能包含 HTML 标记或脚本（如 <…>、&…;）") % {"field": name},
            field=field,
            code="markup",
        )
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        return Problem(
            message=_("“%(field)s”包含控制字符或换行") % {"field": name},
            field=field,
            code="control",
        )
    return None


def text_clean(value: str | None, *, field: str, multiline: bool = False) -> str:
    """``value`` stripped, or :class:`Invalid` naming ``field`` if it carries markup or control
    characters. ``None`` becomes ``""``. ``multiline`` allows line breaks (notes, descriptions)."""
    if value is None:
        return ""
    problem = text_problem(value, field=field, multiline=multiline)
    if problem is not None:
        raise Invalid(problem)
    return value.strip()


def text_clean_fields(values: dict[str, str | None], *, multiline: tuple[str, ...] = ()) -> dict[str, str]:
    """Check several fields at once; every field at fault is reported together."""
    problems = [
        p
        for name, v in values.items()
        if (p := text_problem(v, field=name, multiline=name in multiline)) is not None
    ]
    if problems:
        raise Invalid(*problems)
    return {name: (v or "").strip() for name, v in values.items()}
