"""Credit: evaluation models as versioned data, credit events with their source, grades with
their history, commitments, repair applications and departments' push subscriptions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crossreg.credit.spec import EVENT_KINDS, SEVERITIES

KIND_CHOICES = list(EVENT_KINDS.items())
SEVERITY_CHOICES = list(SEVERITIES.items())


class EvaluationModel(models.Model):
    """A public credit evaluation (公共信用综合评价) or a department's industry evaluation."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("公共信用综合评价")
        INDUSTRY = "industry", _("行业信用评价")

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    # GB/T 4754 division codes an industry model applies to (empty for the public model).
    industries = models.JSONField(_("适用行业"), default=list, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("信用评价模型")
        verbose_name_plural = _("信用评价模型")

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        REVIEW = "review", _("待审核")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被新版本取代")

    model = models.ForeignKey(EvaluationModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    spec = models.JSONField(_("模型内容"))
    spec_sha256 = models.CharField(max_length=64)
    diff = models.JSONField(_("与上一发布版本的差异"), default=list, blank=True)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    submitted_by = models.CharField(max_length=150, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)

    class Meta:
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="credit_version_unique")]
        indexes = [models.Index(fields=["model", "status", "effective_from"])]
        verbose_name = _("模型版本")
        verbose_name_plural = _("模型版本")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.model_id}/v{self.number}"


class ModelTransition(models.Model):
    """Append-only history of a model version's states."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "at", "id"]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.from_status} → {self.to_status}"


class CreditEvent(models.Model):
    """One input of the evaluation, pointing to its source record."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="credit_events")
    kind = models.CharField(_("类型"), max_length=32, choices=KIND_CHOICES)
    severity = models.CharField(_("严重程度"), max_length=16, choices=SEVERITY_CHOICES, default="none")
    category = models.CharField(_("细分类别"), max_length=16, blank=True)
    occurred_on = models.DateField(_("发生日期"))
    counts_until = models.DateField(_("计分截止日"))
    source_type = models.CharField(_("来源类型"), max_length=32)
    source_id = models.CharField(_("来源编号"), max_length=128)
    source_url = models.CharField(_("来源链接"), max_length=300, blank=True)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("事由"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    published = models.BooleanField(_("公示"), default=True)
    withdrawn_on = models.DateField(_("撤销日期"), null=True, blank=True)
    repaired_on = models.DateField(_("信用修复日期"), null=True, blank=True)
    recorded_by = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "kind"], name="credit_event_source")
        ]
        indexes = [models.Index(fields=["entity", "occurred_on"]), models.Index(fields=["occurred_on"])]
        verbose_name = _("信用事件")
        verbose_name_plural = _("信用事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class Grade(models.Model):
    """An entity's grade from one evaluation; a new row only when the grade or score changes, so
    the rows are the grade's history. ``as_of`` is the date the evaluation was made for."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="credit_grades")
    as_of = models.DateField(_("评价日期"))
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    score_cents = models.BigIntegerField()
    public_grade = models.CharField(max_length=1)
    industry_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    industry_score_cents = models.BigIntegerField(null=True, blank=True)
    industry_grade = models.CharField(max_length=1, blank=True)
    grade = models.CharField(_("信用等级"), max_length=1)
    previous = models.CharField(max_length=1, blank=True)
    current = models.BooleanField(default=True)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "-as_of", "-id"]
        indexes = [
            models.Index(fields=["entity", "as_of"]),
            models.Index(fields=["current", "grade"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entity"], condition=models.Q(current=True), name="credit_one_current_grade"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.grade} ({self.as_of})"

    @property
    def score(self) -> float:
        return self.score_cents / 100


class AccessCode(models.Model):
    """A code given to an enterprise so that it can read its own full credit record."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    code_sha256 = models.CharField(max_length=64, unique=True)
    issued_by = models.CharField(max_length=150)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"access code of {self.entity_id}"


class CommitmentItem(models.Model):
    """One item of the published commitment list (信用承诺事项清单)."""

    code = models.SlugField(_("代码"), max_length=40, primary_key=True)
    title = models.CharField(_("事项"), max_length=120)
    text = models.TextField(_("承诺内容"))
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    catalog_item = models.CharField(_("对应监管事项"), max_length=40, blank=True)
    approval_matter = models.CharField(_("对应审批事项"), max_length=120, blank=True)
    published = models.BooleanField(_("已公布"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("履行中")
        KEPT = "kept", _("经核查已履行")
        BROKEN = "broken", _("违背承诺")

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(CommitmentItem, on_delete=models.PROTECT, related_name="commitments")
    signed_on = models.DateField(_("签署日期"))
    text = models.TextField(_("承诺文本"))
    signed_by = models.CharField(_("签署人"), max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_FORCE)
    verified_on = models.DateField(null=True, blank=True)
    verified_source = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.item_id}"


class RepairApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已准予修复")
        REFUSED = "refused", _("不予修复")

    event = models.ForeignKey(CreditEvent, on_delete=models.PROTECT, related_name="repairs")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    applied_on = models.DateField(_("申请日期"))
    due_on = models.DateField(_("审核期限"))
    correction = models.TextField(_("整改情况"))
    commitment_text = models.TextField(_("信用修复承诺"))
    training_certificate = models.CharField(_("培训证明"), max_length=120, blank=True)
    evidence_sha256 = models.JSONField(default=list, blank=True)
    applicant = models.CharField(max_length=150)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"repair {self.pk} of event {self.event_id}"


class PushSubscription(models.Model):
    """A department's subscription to credit changes of the entities on its lists."""

    department = models.OneToOneField("orgs.Department", on_delete=models.CASCADE, related_name="+")
    grade_changes = models.BooleanField(_("信用等级变化"), default=True)
    serious_events = models.BooleanField(_("严重失信事件"), default=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"subscription of {self.department_id}"
