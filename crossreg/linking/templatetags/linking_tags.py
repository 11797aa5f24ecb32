"""Template helpers of the object-base pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from crossreg.orgs.models import Department

register = template.Library()


@register.simple_tag(takes_context=True)
def department_names(context: Any, codes: Iterable[str]) -> list[str]:
    """Department codes as the names people know (简称), one query per rendering of the page."""
    names = context.render_context.get("linking_department_names")
    if names is None:
        names = {
            code: short or name
            for code, short, name in Department.objects.values_list("code", "short_name", "name")
        }
        context.render_context["linking_department_names"] = names
    return [names.get(code, code) for code in codes]
