"""``{% load labels %}``: codes shown by their names (``crossreg.core.labels``).

``{{ e.to_state|state }}``, ``{{ e.to_state|state:"catalog.version" }}``, ``{{ e.transition|transition }}``,
``{{ entry.action|action }}``, ``{% actor e.actor_label %}``, ``{% region code %}``, ``{% dept code %}``,
``{{ code|code_label:"sampling.basis" }}``. The tags look names up once per page render.
"""

from __future__ import annotations

from typing import Any

from django import template

from crossreg.core import labels

register = template.Library()


@register.filter(name="state")
def state(code: Any, namespace: str = "") -> str:
    return labels.state_label(None if code is None else str(code), namespace)


@register.filter(name="transition")
def transition(code: Any) -> str:
    return labels.transition_label(None if code is None else str(code))


@register.filter(name="action")
def action(code: Any) -> str:
    return labels.action_label(None if code is None else str(code))


@register.filter(name="code_label")
def code_label(code: Any, kind: str) -> str:
    return labels.code_label(kind, None if code is None else str(code))


@register.filter(name="field_label")
def field_label(key: Any) -> str:
    return labels.field_label(None if key is None else str(key))


def _names(context: Any) -> labels.Names:
    # the render context's first dict lives for the whole page (includes push their own)
    root = context.render_context.dicts[0]
    names = root.get("_crossreg_names")
    if names is None:
        names = root["_crossreg_names"] = labels.Names()
    return names


def _joined(context: Any, codes: Any, sep: str, kind: str) -> str:
    """Codes (a list, or a comma-separated string) by their names, joined with ``sep``."""
    if not codes:
        return ""
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    lookup = getattr(_names(context), kind)
    return sep.join(lookup(str(c).strip()) for c in items if str(c).strip())


@register.simple_tag(takes_context=True)
def actor(context: Any, label: Any) -> str:
    return _names(context).actor(None if label is None else str(label))


@register.simple_tag(takes_context=True)
def region(context: Any, code: Any) -> str:
    return "" if not code else _names(context).region(str(code))


@register.simple_tag(takes_context=True)
def dept(context: Any, code: Any) -> str:
    return "" if not code else _names(context).dept(str(code))


@register.simple_tag(takes_context=True)
def depts(context: Any, codes: Any, sep: str = "、") -> str:
    """A list of department codes (or a comma-separated string) by their names."""
    return _joined(context, codes, sep, "dept")


@register.filter(name="subject_label")
def subject_label(name: Any) -> str:
    """A ledger subject type (``inspection.task``) by the name its app registered."""
    from crossreg.core.errors import NotFound
    from crossreg.core.subjects import subject_type_get

    try:
        return str(subject_type_get(str(name)).label)
    except NotFound:
        return str(name)


@register.simple_tag(takes_context=True)
def regions(context: Any, codes: Any, sep: str = "、") -> str:
    """A list of region codes by their names."""
    return _joined(context, codes, sep, "region")


@register.filter(name="errors_for")
def errors_for(errors: Any, key: str) -> list[str]:
    """``{% for m in errors|errors_for:"rules.B.ratio" %}``: the messages of one field."""
    if not errors:
        return []
    return list(errors.get(str(key), []))


@register.simple_tag(takes_context=True)
def industries(context: Any, codes: Any, sep: str = "、") -> str:
    """GB/T 4754 division codes by their names (``51、52`` → "批发业、零售业")."""
    return _joined(context, codes, sep, "industry")


@register.simple_tag(takes_context=True)
def actors_load(context: Any, items: Any, path: str) -> str:
    """``{% actors_load rows "body.actor" %}``: name every actor of a list in one query, before the
    list's ``{% actor … %}`` tags (a timeline costs the same queries however many people acted)."""
    labels = []
    for item in items or ():
        value: Any = item
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value:
            labels.append(str(value))
    _names(context).prime(labels)
    return ""
