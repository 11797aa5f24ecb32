from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from crossreg.notices.models import Notification


def notice_visible_list(*, user: Any) -> QuerySet[Notification]:
    """Notices addressed to ``user`` or to ``user``'s department."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    cond = Q(recipient_id=user.pk)
    if getattr(user, "department_id", None):
        cond |= Q(department_id=user.department_id)
    return Notification.objects.filter(cond)


def notice_unread_count(*, user: Any) -> int:
    return notice_visible_list(user=user).filter(read_at__isnull=True).count()
