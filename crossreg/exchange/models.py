"""The exchange's own tables: versioned code mappings, inbound batches, reconciliation reports.

The events and deliveries themselves are the outbox's (``crossreg.outbox``); this app adds what the
national and provincial platforms need on top: their codes, what came in from them, and the daily
proof of what was sent against what they acknowledged.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MappingVersion(models.Model):
    """One version of a code mapping table (a new version replaces the previous one whole)."""

    class Kind(models.TextChoices):
        ITEM = "item", _("监管事项编码")
        DEPARTMENT = "department", _("部门编码")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    number = models.PositiveIntegerField(_("版本号"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-number"]
        verbose_name = _("编码映射版本")
        verbose_name_plural = _("编码映射版本")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="exchange_mapping_version_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.number}"


class CodeMapping(models.Model):
    """Local code → national code (and, for items, the inspection-implementation-list code)."""

    version = models.ForeignKey(MappingVersion, on_delete=models.CASCADE, related_name="rows")
    local_code = models.CharField(_("本地编码"), max_length=40)
    national_code = models.CharField(_("国家编码"), max_length=64)
    list_code = models.CharField(_("检查实施清单编码"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "local_code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "local_code"], name="exchange_mapping_local_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.local_code} → {self.national_code}"


class InboundBatch(models.Model):
    """One file or push received from a provincial or national platform, imported all or nothing."""

    class Kind(models.TextChoices):
        PROVINCIAL_TASKS = "provincial_tasks", _("省级双随机任务")
        PENALTIES = "penalties", _("外市行政处罚决定")

    class Status(models.TextChoices):
        IMPORTED = "imported", _("已导入")
        REFUSED = "refused", _("已拒收")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=100)
    batch_ref = models.CharField(_("批次号"), max_length=100)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    row_count = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    unchanged = models.PositiveIntegerField(_("已存在"), default=0)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    received_by = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("接收批次")
        verbose_name_plural = _("接收批次")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "batch_ref"],
                condition=models.Q(status="imported"),
                name="exchange_inbound_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.batch_ref}"


class ReconciliationReport(models.Model):
    """One day, one target: what was sent against what was acknowledged, gaps and deadlines."""

    target = models.ForeignKey("outbox.Target", on_delete=models.PROTECT, related_name="reconciliations")
    day = models.DateField(_("对账日期"))
    sent = models.PositiveIntegerField(_("应发送"), default=0)
    acknowledged = models.PositiveIntegerField(_("已确认"), default=0)
    sent_sha256 = models.CharField(max_length=64)
    acknowledged_sha256 = models.CharField(max_length=64)
    gaps = models.JSONField(_("缺口"), default=list)  # [{event, type, subject, state, error}]
    deadlines = models.JSONField(_("公示期限"), default=list)  # [{event, rule, due, delivered_at, met}]
    missed = models.PositiveIntegerField(_("逾期"), default=0)
    ledger_seq = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "target"]
        verbose_name = _("对账报告")
        verbose_name_plural = _("对账报告")
        constraints = [models.UniqueConstraint(fields=["target", "day"], name="exchange_reconciliation_uniq")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.day}"

    @property
    def balanced(self) -> bool:
        return self.sent == self.acknowledged and not self.gaps


class InboundRecord(models.Model):
    """One row already imported (kind, source, ref): a repeated row in a later file is skipped."""

    kind = models.CharField(max_length=20)
    source = models.CharField(max_length=100)
    ref = models.CharField(max_length=100)
    batch = models.ForeignKey(InboundBatch, on_delete=models.CASCADE, related_name="records")
    result = models.CharField(max_length=100, blank=True)  # what it became (task code, credit event id)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "source", "ref"], name="exchange_inbound_record_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.ref}"
