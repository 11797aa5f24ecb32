"""Clues (线索), clue bundles (线索归并), devices (监测设备), readings and rules (风险预警模型).

One :class:`Clue` model for every source. Clues about the same entity, risk type and window are
merged into one :class:`ClueBundle` whose ``key`` is ``entity × risk type × window`` — the same
clues give the same bundle whatever order they arrive in. A bundle crossing the configured score
creates (or joins) one inspection task; a department may instead handle it remotely
(:mod:`crossreg.clues.workflow`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crossreg.clues import levels


class Source(models.TextChoices):
    IOT = "iot", _("物联网监测")
    VIDEO = "video", _("视频告警")
    REMOTE_SENSING = "remote_sensing", _("遥感变化")
    COMPLAINT = "complaint", _("投诉举报")
    PENALTY = "penalty", _("其他部门处罚")
    JUDGMENT = "judgment", _("司法判决")
    CREDIT = "credit", _("信用事件")
    INSPECTION = "inspection", _("检查发现")
    MANUAL = "manual", _("人工录入")
    RULE = "rule", _("预警模型")


class Severity(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较重")
    HIGH = "high", _("严重")
    CRITICAL = "critical", _("特别严重")


class BundleQuerySet(models.QuerySet["ClueBundle"]):
    def visible_to(self, principal: Any) -> BundleQuerySet:
        """Bundles of the principal's department (all for those who see every department)."""
        if principal.is_admin or principal.sees_all:
            return self
        if not principal.department_id:
            return self.none()
        return self.filter(departments=principal.department_id).distinct()


class ClueQuerySet(models.QuerySet["Clue"]):
    def visible_to(self, principal: Any) -> ClueQuerySet:
        if principal.is_admin or principal.sees_all:
            return self
        if not principal.department_id:
            return self.none()
        d = principal.department_id
        return self.filter(models.Q(department_id=d) | models.Q(bundle__departments=d)).distinct()


class DeviceQuerySet(models.QuerySet["Device"]):
    def visible_to(self, principal: Any) -> DeviceQuerySet:
        """Every signed-in department may read the registry (locations are published anyway)."""
        return self if principal.is_authenticated else self.none()


SEVERITY_WEIGHT, SEVERITY_ORDER = levels.SEVERITY_WEIGHT, levels.SEVERITY_ORDER


class RuleVersion(models.Model):
    """A risk rule as data: thresholds, sustained exceedance, repeats, combinations; versioned."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("阈值")
        SUSTAINED = "sustained", _("持续超标")
        REPEAT = "repeat", _("窗口内重复")
        COMBINATION = "combination", _("组合")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.SlugField(_("规则代码"), max_length=48)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    domain = models.ForeignKey(
        "orgs.Domain", on_delete=models.PROTECT, related_name="+", verbose_name=_("领域")
    )
    risk_type = models.SlugField(_("风险类型"), max_length=48)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    # threshold/sustained: {"pollutant": "w01018", "limit": 50, "minutes": 30}
    # repeat: {"source": "complaint", "count": 3, "days": 30}
    # combination: {"all_of": ["rule-a", "rule-b"], "days": 7}
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    legal_basis = models.TextField(_("依据"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="clues_rule_code_version_uniq"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(status="published"), name="clues_rule_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Device(models.Model):
    """A monitoring device (监测设备). Art. 41 行政处罚法: its data is evidence only after legal and
    technical review, with its location published."""

    mn = models.CharField(_("设备编码(MN)"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, related_name="clue_devices", verbose_name=_("监测对象")
    )
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("管理部门")
    )
    domain = models.ForeignKey(
        "orgs.Domain", on_delete=models.PROTECT, related_name="+", verbose_name=_("领域")
    )
    site = models.CharField(_("监测点位"), max_length=100, blank=True)
    measures = models.JSONField(_("监测因子"), default=list)  # ["w01018", "w21003", …]
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    reviewed_on = models.DateField(_("法制和技术审核日期"), null=True, blank=True)
    review_valid_until = models.DateField(_("审核有效期至"), null=True, blank=True)
    location_published_at = models.DateTimeField(_("设置地点公布时间"), null=True, blank=True)
    location_published_url = models.URLField(_("公布地址"), blank=True)
    token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["mn"]
        verbose_name = _("监测设备")
        verbose_name_plural = _("监测设备")

    def __str__(self) -> str:
        return f"{self.mn} {self.name}"


class Reading(models.Model):
    """One received packet: raw text kept, parsed values, accepted or rejected with the reason."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("已拒收")

    message_key = models.CharField(max_length=64, unique=True)  # sha256 of the raw packet
    channel = models.CharField(max_length=8, default="mqtt")  # mqtt | http
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="readings"
    )
    mn = models.CharField(max_length=32, blank=True, db_index=True)
    cn = models.CharField(max_length=4, blank=True)
    qn = models.CharField(max_length=20, blank=True)
    data_time = models.DateTimeField(null=True, blank=True)
    raw = models.TextField()
    values = models.JSONField(default=list)  # [[pollutant, kind, value, flag], …]
    normal = models.BooleanField(default=False)  # every value flagged N: may trigger rules
    status = models.CharField(max_length=10, choices=Status.choices)
    reject_code = models.CharField(max_length=24, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["device", "data_time"], name="clues_reading_device_time")]

    def __str__(self) -> str:
        return f"{self.mn} {self.data_time} {self.status}"


class ClueBundle(models.Model):
    """Clues about one entity, one risk type, one window (线索归并)."""

    class Status(models.TextChoices):
        OPEN = "open", _("预警中")
        CLOSED = "closed", _("已解除")

    class Handling(models.TextChoices):
        NEW = "new", _("待处置")
        NOTIFIED = "notified", _("已通知整改")
        PROOF_UPLOADED = "proof_uploaded", _("企业已提交整改材料")
        CLOSED = "closed", _("已办结")
        TASK = "task", _("已转现场检查")
        CASE = "case", _("已转立案")

    key = models.CharField(max_length=120, unique=True)  # "<entity>:<risk type>:<window start>"
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="clue_bundles")
    risk_type = models.SlugField(_("风险类型"), max_length=48)
    window_start = models.DateField(_("窗口开始"))
    window_end = models.DateField(_("窗口结束"))
    status = models.CharField(_("预警状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    handling = models.CharField(_("处置状态"), max_length=16, choices=Handling.choices, default=Handling.NEW)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.LOW)
    score = models.PositiveIntegerField(_("分值"), default=0)
    clue_count = models.PositiveIntegerField(default=0)
    departments = models.ManyToManyField("orgs.Department", related_name="+", blank=True)
    lead_department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    domains = models.JSONField(default=list)
    sources = models.JSONField(default=list)
    first_signal_at = models.DateTimeField(_("首次信号时间"))
    last_signal_at = models.DateTimeField(_("最近信号时间"))
    task_code = models.CharField(_("检查任务"), max_length=40, blank=True)
    task_deferred = models.BooleanField(default=False)  # the quiet period held the task back
    case_source_ref = models.CharField(max_length=80, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)  # first handling step by a department

    objects = BundleQuerySet.as_manager()

    class Meta:
        ordering = ["-last_signal_at", "-id"]
        verbose_name = _("线索归并")
        verbose_name_plural = _("线索归并")
        indexes = [models.Index(fields=["entity", "status"], name="clues_bundle_entity_status")]

    def __str__(self) -> str:
        return self.key


class Clue(models.Model):
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=120)
    entity = models.ForeignKey(
        "entities.Entity", on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    entity_hint = models.JSONField(default=dict, blank=True)  # uscc/name/address/lat/lng when unresolved
    domain = models.ForeignKey(
        "orgs.Domain", on_delete=models.PROTECT, related_name="+", verbose_name=_("领域")
    )
    risk_type = models.SlugField(_("风险类型"), max_length=48)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    observed_from = models.DateTimeField(_("发现时段起"))
    observed_to = models.DateTimeField(_("发现时段止"))
    summary = models.CharField(_("摘要"), max_length=300)
    evidence = models.JSONField(default=list, blank=True)  # [{"kind","ref","sha256"?}, …]
    department_hint = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(  # who handles it: the hint, the device's department, or the domain's
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        "Device", on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    rule = models.ForeignKey(
        RuleVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    explanation = models.JSONField(default=dict, blank=True)  # the readings that fired the rule
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    bundle = models.ForeignKey(
        ClueBundle, on_delete=models.PROTECT, null=True, blank=True, related_name="clues"
    )
    raised_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClueQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_from", "-id"]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="clues_clue_source_ref_uniq")
        ]
        indexes = [models.Index(fields=["entity", "observed_from"], name="clues_clue_entity_time")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_ref}"


class BundleEvent(models.Model):
    """Append-only history of a bundle: clues joining, handling steps, escalations."""

    bundle = models.ForeignKey(ClueBundle, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.bundle_id} {self.action}"


def _proof_path(instance: Proof, filename: str) -> str:
    return f"clues/{instance.bundle_id}/{instance.sha256}"


class Proof(models.Model):
    """A file the enterprise uploaded to show it corrected (整改材料), or an evidence image."""

    bundle = models.ForeignKey(ClueBundle, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(upload_to=_proof_path, max_length=200)
    name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bundle", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.sha256


class EvidenceSnapshot(models.Model):
    """A frozen evidence window (远程取证固证): its canonical JSON, its SHA-256 in the ledger."""

    bundle = models.ForeignKey(ClueBundle, on_delete=models.CASCADE, related_name="snapshots")
    sha256 = models.CharField(max_length=64)
    content = models.JSONField()
    ledger_entry = models.BigIntegerField(null=True, blank=True)
    tsa_token = models.BinaryField(null=True, blank=True)
    frozen_by = models.CharField(max_length=100)
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bundle", "frozen_at", "id"]

    def __str__(self) -> str:
        return self.sha256


class InspectionOutcome(models.Model):
    """What an inspection found, for the targeting report (clue-triggered vs random)."""

    class Origin(models.TextChoices):
        PLATFORM = "platform", _("平台检查结果")
        SYNTHETIC = "synthetic", _("模拟城市生成")

    task_code = models.CharField(max_length=40, unique=True)
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=16)  # clue | random
    domain = models.CharField(max_length=32)
    period = models.CharField(max_length=16)
    violation = models.BooleanField()
    first_signal_at = models.DateTimeField(null=True, blank=True)
    inspected_on = models.DateField()
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.PLATFORM)

    class Meta:
        ordering = ["period", "task_code"]
        indexes = [models.Index(fields=["period", "domain", "trigger"], name="clues_outcome_pdt")]

    def __str__(self) -> str:
        return f"{self.task_code} {self.trigger} {self.violation}"
