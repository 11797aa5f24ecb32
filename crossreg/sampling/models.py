"""Sampling plans, their frozen pools, draws and draw attempts (双随机: 抽查计划、摇号).

A plan pins the catalog item *versions* it checks, a pool filter, a period and per-credit-class
rules. Publishing it freezes the pool (:class:`PoolMember`) and publishes its Merkle root and the
named future source of the seed; drawing enters the seed and writes :class:`Selection` rows. Every
draw attempt, refused ones included, is a :class:`DrawAttempt` row and a ledger entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crossreg.sampling.draw import ALGORITHM_VERSION
from crossreg.sampling.querysets import PlanQuerySet


class SamplingPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已公示(待摇号)")
        DRAWN = "drawn", _("已摇号")
        CANCELLED = "cancelled", _("已撤销")

    class Kind(models.TextChoices):
        SINGLE = "single", _("部门抽查")
        JOINT = "joint", _("部门联合抽查")

    class Source(models.TextChoices):
        REGISTRY = "registry", _("市场主体名录")
        DEPARTMENT_LIST = "department_list", _("部门监管对象名录")
        BASE = "base", _("跨部门综合监管对象库")

    code = models.CharField(_("计划编号"), max_length=40, unique=True)
    name = models.CharField(_("计划名称"), max_length=200)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="sampling_plans", verbose_name=_("牵头部门")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    participants = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="joint_sampling_plans", verbose_name=_("配合部门")
    )
    item_versions = models.ManyToManyField(
        "catalog.ItemVersion", related_name="sampling_plans", verbose_name=_("检查事项(版本)")
    )
    period = models.CharField(_("抽查周期"), max_length=16, db_index=True, help_text=_("e.g. 2025Q3"))
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))

    # Pool filter.
    source = models.CharField(
        _("对象来源"), max_length=16, choices=Source.choices, default=Source.DEPARTMENT_LIST
    )
    source_reason = models.CharField(
        _("选择对象来源的理由"),
        max_length=300,
        blank=True,
        help_text=_(
            "Required when the plan draws from the whole registry instead of the department's directory."
        ),
    )
    divisions = models.JSONField(_("区域"), default=list, blank=True)
    entity_types = models.JSONField(_("主体类型"), default=list, blank=True)
    industries = models.JSONField(_("行业"), default=list, blank=True)
    key_domains = models.JSONField(_("重点领域"), default=list, blank=True)
    statuses = models.JSONField(_("登记状态"), default=list, blank=True)
    directed = models.BooleanField(_("定向抽查"), default=False)
    directed_reason = models.CharField(_("定向说明"), max_length=200, blank=True)
    triggered = models.BooleanField(
        _("有触发事由"), default=False, help_text=_("A-grade entities are drawn only when triggered.")
    )

    rules = models.JSONField(_("抽查比例与最低数量"), default=dict)  # {"A": {"ratio": "5", "minimum": 0}, …}
    seed_source = models.TextField(_("随机种子来源"), help_text=_("A named future public value."))
    seed_due = models.DateField(_("种子产生日期"))
    seed_due_at = models.DateTimeField(
        _("种子产生时间"),
        null=True,
        blank=True,
        help_text=_("When the named public value exists (e.g. the lottery's draw time); no seed before."),
    )
    seed_reference = models.CharField(
        _("种子核对出处"), max_length=300, blank=True, help_text=_("Where anyone can check the seed.")
    )
    seed_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seed_entered_label = models.CharField(_("种子录入人"), max_length=100, blank=True)

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    algorithm = models.CharField(_("算法版本"), max_length=32, default=ALGORITHM_VERSION)
    #: plans created before crossreg-draw/2 keep the crossreg-draw/1 stored in their row.
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    pool_root = models.CharField(
        _("对象池默克尔根"),
        max_length=64,
        blank=True,
        help_text=_("crossreg-draw/2: the commitment to every entity's stratum (salted leaves)."),
    )
    pool_basis = models.JSONField(
        _("对象池构成说明"),
        default=dict,
        blank=True,
        help_text=_("Why the pool and each stratum have their size."),
    )
    pool_size = models.PositiveIntegerField(_("对象池数量"), default=0)
    pool_strata = models.JSONField(_("分层数量"), default=dict, blank=True)
    seed = models.TextField(_("随机种子"), blank=True)
    drawn_at = models.DateTimeField(_("摇号时间"), null=True, blank=True)
    selected_count = models.PositiveIntegerField(_("抽中数量"), default=0)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    pooled_at = models.DateTimeField(_("汇总比对时间"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "code"]
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.DRAWN)


class PoolMember(models.Model):
    """One entity of a plan's pool as frozen at publication: its key and stratum (credit class)."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="pool")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=32)
    stratum = models.CharField(max_length=8)
    salt = models.CharField(max_length=32, blank=True, help_text=_("crossreg-draw/2: the leaf's salt."))

    class Meta:
        ordering = ["plan", "key"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="poolmember_plan_key_uniq")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.key}"


class Selection(models.Model):
    """An entity drawn by a plan, with its rank: the published draw list."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="selections")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="selections")
    key = models.CharField(max_length=32)
    stratum = models.CharField(max_length=8)
    position = models.PositiveIntegerField()
    rank_hex = models.CharField(max_length=64)

    class Meta:
        ordering = ["plan", "stratum", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "entity"], name="selection_plan_entity_uniq")]
        verbose_name = _("抽中对象")
        verbose_name_plural = _("抽中对象")

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.stratum}#{self.position} {self.key}"


class DrawAttempt(models.Model):
    """Every attempt to draw a plan, whether it ran or was refused (and why)."""

    class Outcome(models.TextChoices):
        DRAWN = "drawn", _("已摇号")
        REFUSED = "refused", _("已拒绝")

    plan = models.ForeignKey(SamplingPlan, on_delete=models.PROTECT, related_name="attempts")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    seed = models.TextField(blank=True)
    seed_reference = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("摇号记录")
        verbose_name_plural = _("摇号记录")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.outcome}"


class PoolingRun(models.Model):
    """One pooling (汇总比对) of a period's draws: the report, or why it was refused."""

    class Outcome(models.TextChoices):
        DONE = "done", _("已完成")
        REFUSED = "refused", _("未完成")

    period = models.CharField(max_length=16, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    report = models.JSONField(default=dict)
    shortages = models.JSONField(default=list)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("汇总比对记录")
        verbose_name_plural = _("汇总比对记录")

    def __str__(self) -> str:
        return f"{self.period} {self.outcome}"
