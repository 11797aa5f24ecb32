"""Sending and reading notices. Sending is queued on commit: a rolled-back action notifies nobody."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from crossreg.notices.models import Notification
from crossreg.notices.selectors import notice_visible_list

if TYPE_CHECKING:
    from crossreg.orgs.models import Department, User


def notice_send(
    *,
    verb: str,
    subject: str,
    link: str = "",
    users: Iterable[User] = (),
    departments: Iterable[Department] = (),
) -> None:
    """Queue one notice per user and per department; they are written when the transaction commits."""
    rows = [Notification(recipient_id=u.pk, verb=verb, subject=subject[:200], link=link) for u in users]
    seen: set[str] = set()
    for d in departments:
        if d.pk in seen:
            continue
        seen.add(d.pk)
        rows.append(Notification(department_id=d.pk, verb=verb, subject=subject[:200], link=link))
    if not rows:
        return

    def _write() -> None:
        Notification.objects.bulk_create(rows)

    transaction.on_commit(_write)


def notice_mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one notice (or, without an id, all of them) read for ``user``; returns how many changed."""
    qs = notice_visible_list(user=user).filter(read_at__isnull=True)
    if notice_id is not None:
        qs = qs.filter(pk=notice_id)
    return qs.update(read_at=timezone.now())


def notice_close(*, link: str, verbs: Iterable[str]) -> int:
    """Close (mark read for everyone) the unread notices of ``verbs`` pointing at ``link``: the
    request they made is over (e.g. "请参加集中会审" once the item has left the joint review).
    Returns how many were closed. Runs in the caller's transaction."""
    verbs = list(verbs)
    if not link or not verbs:
        return 0
    return Notification.objects.filter(link=link, verb__in=verbs, read_at__isnull=True).update(
        read_at=timezone.now()
    )
