"""Notifications: a message to a user, to a whole department, or to both (站内通知)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One notice. A department notice is seen by everyone in that department; reading marks it read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("接收部门"),
    )
    verb = models.CharField(_("事由"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(department__isnull=False),
                name="notification_has_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["department", "read_at"]),
            models.Index(fields=["recipient", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.subject
