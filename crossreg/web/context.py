"""Template context: the role-aware navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[tuple[str, str]] = []
    if user is not None and user.is_authenticated:
        items = [("dashboard", "工作台"), ("entity_search", "市场主体")]
    return {"nav_items": items}
