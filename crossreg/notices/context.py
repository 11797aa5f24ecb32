"""Optional template context processor: ``notice_unread`` for the navigation badge.

Add ``"crossreg.notices.context.notices"`` to TEMPLATES context_processors, then in the header:
``{% if user.is_authenticated %}{% include "notices/badge.html" with unread=notice_unread %}{% endif %}``.
(Without it, ``<span hx-get="{% url 'notices:badge' %}" hx-trigger="load" hx-swap="outerHTML"></span>``
loads the same badge.)
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from crossreg.notices.selectors import notice_unread_count


def notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notice_unread": notice_unread_count(user=user)}
