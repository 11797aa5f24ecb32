"""The outbox (事件外发箱): events written in the action's transaction, delivered later.

- :class:`OutboxEvent` — one domain event as a CloudEvents 1.0 envelope, written by the core.events
  sink in the publishing transaction (an action rolled back leaves no row).
- :class:`Target` — a system events go to: a department's webhook, the 互联网+监管 system, the
  provincial enforcement-supervision platform, a staging database. ``kind`` names its sender
  (``crossreg.outbox.senders``; the exchange app registers the adapters).
- :class:`Subscription` — which events a target receives: an event type (or ``case.*``, ``*``) and
  a scope (the department's own events, the entities on its lists, or all).
- :class:`Delivery` — one event to one target: attempts, back-off, a lease while a worker sends it,
  the error queue (``failed``) from which a person replays it.
- :class:`DeliveryAttempt` — every try, with the answer or the reason it failed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """One domain event, kept as its CloudEvents 1.0 envelope."""

    event_id = models.CharField(_("事件标识"), max_length=64, unique=True)  # CloudEvents id
    type = models.CharField(_("事件类型"), max_length=64, db_index=True)
    source = models.CharField(_("来源"), max_length=200)
    subject = models.CharField(_("主题"), max_length=200)
    time = models.DateTimeField(_("发生时间"))
    datacontenttype = models.CharField(max_length=64, default="application/json")
    dataschema = models.CharField(max_length=200, blank=True)
    data = models.JSONField(_("数据"), default=dict, encoder=DjangoJSONEncoder)
    department_id = models.CharField(_("部门"), max_length=32, blank=True)
    entity_id = models.BigIntegerField(_("市场主体"), null=True, blank=True)
    # Set in the transaction that created the event's deliveries (compare-and-set: NULL -> token).
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("外发事件")
        verbose_name_plural = _("外发事件")
        indexes = [
            models.Index(
                fields=["id"], condition=Q(fanned_out_at__isnull=True), name="outbox_event_unfanned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject}"

    def envelope(self) -> dict[str, Any]:
        """The CloudEvents 1.0 structured-mode JSON envelope (plus our extension attributes)."""
        from crossreg.outbox.cloudevents import envelope_of

        return envelope_of(self)


class Target(models.Model):
    """A system the platform delivers events to."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("部门系统 Webhook")
        SUPERVISION_BATCH = "supervision_batch", _("互联网+监管 批量导出")
        SUPERVISION_REST = "supervision_rest", _("互联网+监管 接口推送")
        ENFORCEMENT = "enforcement", _("省行政执法监督平台")
        STAGING = "staging", _("前置库")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_targets",
        verbose_name=_("所属部门"),
        help_text=_("The department whose system this is; empty for national and provincial platforms."),
    )
    url = models.CharField(_("地址"), max_length=500, blank=True)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    config = models.JSONField(_("配置"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试次数"), null=True, blank=True)
    timeout = models.FloatField(_("超时(秒)"), null=True, blank=True)
    network_restricted = models.BooleanField(
        _("受网络策略限制"),
        default=False,
        help_text=_(
            "Set when someone other than a system administrator set the address: it may not point at "
            "loopback, link-local or private networks outside OUTBOX_WEBHOOK_ALLOWED_NETWORKS."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("外发目标")
        verbose_name_plural = _("外发目标")

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """Which events a target receives."""

    class Scope(models.TextChoices):
        DEPARTMENT = "department", _("本部门的事件")
        LISTED = "listed", _("本部门名录内主体的事件")
        ALL = "all", _("全部事件")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="subscriptions")
    event_type = models.CharField(
        _("事件类型"), max_length=64, help_text=_("An event type, a prefix with .* (case.*), or *.")
    )
    scope = models.CharField(_("范围"), max_length=12, choices=Scope.choices, default=Scope.DEPARTMENT)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "event_type"]
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅")
        constraints = [
            models.UniqueConstraint(fields=["target", "event_type", "scope"], name="outbox_subscription_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.event_type} ({self.scope})"

    def matches_type(self, event_type: str) -> bool:
        pattern = self.event_type
        if pattern == "*":
            return True
        if pattern.endswith(".*"):
            return event_type.startswith(pattern[:-1])
        return event_type == pattern


class Delivery(models.Model):
    """One event to one target, at least once, in order per subject."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败待处理")
        CANCELLED = "cancelled", _("已取消")

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="deliveries")
    subject = models.CharField(max_length=200)  # the event's, for ordering per subject
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("失败原因"), blank=True)
    last_status = models.PositiveSmallIntegerField(_("应答状态码"), null=True, blank=True)
    acknowledgement = models.CharField(_("回执"), max_length=200, blank=True)
    payload_sha256 = models.CharField(max_length=64, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    replays = models.PositiveIntegerField(_("重放次数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_id"]
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        constraints = [models.UniqueConstraint(fields=["event", "target"], name="outbox_delivery_uniq")]
        indexes = [
            models.Index(fields=["target", "state", "next_attempt_at"], name="outbox_delivery_due"),
            models.Index(fields=["target", "subject", "event"], name="outbox_delivery_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}:{self.event_id} {self.state}"

    @property
    def idempotency_key(self) -> str:
        """The ``webhook-id``: the same for every attempt and replay of this event to this target."""
        return self.event.event_id


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        indexes = [models.Index(fields=["delivery", "number"], name="outbox_attempt_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {'ok' if self.ok else self.error[:40]}"
