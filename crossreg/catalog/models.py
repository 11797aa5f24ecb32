"""The supervision-item catalog (监管事项清单, REQUIREMENTS M1).

An item (:class:`SupervisionItem`) is an identity: a code and a responsible department. Its content
lives in :class:`ItemVersion` rows, numbered 1, 2, …; at most one version is published at a time and
at most one version is open (being drafted or reviewed), so a draft of v2 never disturbs v1.
Check points (:class:`CheckPoint`) belong to a version. Every state change of a version or a change
request appends a :class:`VersionEvent` row; the current state is the ``status`` field, which always
equals the ``to_state`` of the latest event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crossreg.catalog.querysets import ChangeRequestQuerySet, ItemVersionQuerySet


class Method(models.TextChoices):
    """Inspection methods (检查方式)."""

    RANDOM = "random", _("双随机")
    KEY = "key", _("重点检查")
    SPECIAL = "special", _("专项检查")
    REMOTE = "remote", _("非现场监管")
    CREDIT = "credit", _("信用监管")


class PowerItem(models.Model):
    """An administrative power item (行政权力事项) of the power list."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("行政检查")
        PENALTY = "penalty", _("行政处罚")
        COMPULSORY = "compulsory", _("行政强制")
        LICENSING = "licensing", _("行政许可")
        LEVY = "levy", _("行政征收")
        CONFIRMATION = "confirmation", _("行政确认")
        OTHER = "other", _("其他行政权力")

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        WITHDRAWN = "withdrawn", _("已取消")

    code = models.CharField(_("权力事项编码"), max_length=40, unique=True)
    name = models.CharField(_("权力事项名称"), max_length=200)
    kind = models.CharField(_("权力类型"), max_length=16, choices=Kind.choices)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="power_items", verbose_name=_("实施部门")
    )
    legal_basis = models.TextField(_("设定依据"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政权力事项")
        verbose_name_plural = _("行政权力事项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SupervisionItem(models.Model):
    """The identity of a supervision item (监管事项): its code and responsible department."""

    code = models.CharField(_("监管事项编码"), max_length=40, unique=True)
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="supervision_items",
        verbose_name=_("实施部门"),
    )
    published = models.OneToOneField(
        "ItemVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The version in force, if any (denormalised pointer; equals the PUBLISHED version)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("监管事项")
        verbose_name_plural = _("监管事项")

    def __str__(self) -> str:
        return self.code


class ItemVersion(models.Model):
    """One version of a supervision item's content, with its review state."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待会审")
        JOINT_REVIEW = "joint_review", _("集中会审中")
        FIRST_REVIEW = "first_review", _("市审批局初审中")
        LEGALITY_REVIEW = "legality_review", _("合法性审核中")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")
        WITHDRAWN = "withdrawn", _("已废止")
        ABANDONED = "abandoned", _("已放弃")

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.JOINT_REVIEW, Status.FIRST_REVIEW, Status.LEGALITY_REVIEW)
    PUBLIC = (Status.PUBLISHED, Status.SUPERSEDED, Status.WITHDRAWN)

    item = models.ForeignKey(SupervisionItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        _("修订号"), default=1, help_text=_("Optimistic concurrency: bumped on every edit of a draft.")
    )
    review_round = models.PositiveIntegerField(
        default=0, help_text=_("Joint-review round, bumped per convening.")
    )
    state_entered_at = models.DateTimeField(_("进入当前状态时间"))

    # Content (the data standard: crossreg.catalog.schemas.ItemContent).
    name = models.CharField(_("事项名称"), max_length=200)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    methods = models.CharField(
        _("检查方式"), max_length=100, blank=True, help_text=_("Method codes, comma-delimited: ,random,key,")
    )
    entity_types = models.CharField(_("适用主体类型"), max_length=100, blank=True)
    industry_codes = models.CharField(_("适用行业(GB/T 4754)"), max_length=400, blank=True)
    domains = models.ManyToManyField("orgs.Domain", blank=True, related_name="item_versions")
    default_ratio = models.DecimalField(
        _("默认抽查比例(%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    default_frequency = models.CharField(_("默认检查频次"), max_length=64, blank=True)
    procedure = models.TextField(_("检查程序"), blank=True)
    method_text = models.TextField(_("检查方法"), blank=True)
    power_items = models.ManyToManyField(PowerItem, blank=True, related_name="item_versions")
    involved_departments = models.ManyToManyField(
        "orgs.Department", blank=True, related_name="reviewable_versions", verbose_name=_("会审部门")
    )
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    point_count = models.PositiveIntegerField(
        _("检查要点数"), default=0, help_text=_("Denormalised for lists.")
    )

    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        ordering = ["item", "number"]
        verbose_name = _("监管事项版本")
        verbose_name_plural = _("监管事项版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_item_number_uniq"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="published"), name="itemversion_one_published"
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(
                    status__in=["draft", "submitted", "joint_review", "first_review", "legality_review"]
                ),
                name="itemversion_one_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "state_entered_at"])]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"

    @property
    def method_list(self) -> list[str]:
        return [m for m in self.methods.split(",") if m]

    @property
    def entity_type_list(self) -> list[str]:
        return [m for m in self.entity_types.split(",") if m]

    @property
    def industry_list(self) -> list[str]:
        return [m for m in self.industry_codes.split(",") if m]

    def method_labels(self) -> list[str]:
        labels = dict(Method.choices)
        return [str(labels.get(m, m)) for m in self.method_list]

    def entity_type_labels(self) -> list[str]:
        labels = {
            "enterprise": _("企业"),
            "individual": _("个体工商户"),
            "coop": _("农民专业合作社"),
            "other": _("其他"),
        }
        return [str(labels.get(t, t)) for t in self.entity_type_list]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def on_adjust_track(self) -> bool:
        return hasattr(self, "change_request")


class CheckPoint(models.Model):
    """One line of an item's checklist (检查要点): what to check, on what basis, what counts as a finding."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="check_points")
    seq = models.PositiveIntegerField(_("序号"))
    content = models.TextField(_("检查内容"))
    legal_basis = models.TextField(_("检查依据"))
    finding = models.TextField(_("问题认定标准"), help_text=_("What counts as a finding (发现问题的情形)."))
    method = models.CharField(_("检查方法"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "seq"]
        verbose_name = _("检查要点")
        verbose_name_plural = _("检查要点")
        constraints = [models.UniqueConstraint(fields=["version", "seq"], name="checkpoint_version_seq_uniq")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.content[:30]}"


class ChangeRequest(models.Model):
    """A request for dynamic adjustment (动态调整) of a published item, filed by a county approval bureau."""

    class Reason(models.TextChoices):
        LAW_MADE = "law_made", _("法律法规制定(立)")
        LAW_AMENDED = "law_amended", _("法律法规修改(改)")
        LAW_REPEALED = "law_repealed", _("法律法规废止(废)")
        LAW_INTERPRETED = "law_interpreted", _("法律法规解释(释)")
        POWER_LIST = "power_list", _("权力清单调整")
        WORK_NEED = "work_need", _("工作需要")

    class Status(models.TextChoices):
        DRAFT = "draft", _("拟稿")
        FIRST_REVIEW = "first_review", _("市审批局初审中")
        LEGALITY_REVIEW = "legality_review", _("合法性审核中")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已发布")
        REJECTED = "rejected", _("不予调整")
        CANCELLED = "cancelled", _("已撤回")

    OPEN = (Status.DRAFT, Status.FIRST_REVIEW, Status.LEGALITY_REVIEW, Status.RETURNED)

    item = models.ForeignKey(SupervisionItem, on_delete=models.PROTECT, related_name="change_requests")
    version = models.OneToOneField(
        ItemVersion, on_delete=models.PROTECT, related_name="change_request", verbose_name=_("拟调整版本")
    )
    base_version = models.ForeignKey(
        ItemVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("调整前版本")
    )
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="change_requests",
        verbose_name=_("申请部门"),
    )
    reason_kind = models.CharField(_("调整原因"), max_length=20, choices=Reason.choices)
    reason = models.TextField(_("调整说明"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    state_entered_at = models.DateTimeField(_("进入当前状态时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("调整申请")
        verbose_name_plural = _("调整申请")
        indexes = [models.Index(fields=["status", "state_entered_at"])]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_reason_kind_display()}"


class Opinion(models.Model):
    """A department's recorded decision in a review: concur/object (joint), pass/return (first, legality)."""

    class Stage(models.TextChoices):
        JOINT = "joint", _("集中会审")
        FIRST = "first", _("初审")
        LEGALITY = "legality", _("合法性审核")

    class Decision(models.TextChoices):
        CONCUR = "concur", _("同意")
        OBJECT = "object", _("不同意")
        PASS = "pass", _("通过")
        RETURN = "return", _("退回")
        REJECT = "reject", _("不予调整")

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    review_round = models.PositiveIntegerField(default=0)
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "stage", "review_round", "department"],
                condition=Q(stage="joint"),
                name="opinion_one_per_department_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.stage} {self.decision}"


class VersionEvent(models.Model):
    """Append-only history of a version (and of its change request): who moved it, from what, to what, why."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="events")
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    workflow = models.CharField(max_length=16)  # compile | adjust | edit | import
    transition = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"


class CrossDepartmentItem(models.Model):
    """A cross-department supervision item (跨部门综合监管事项): items of several departments for one scenario."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    scenario = models.TextField(_("监管场景"))
    lead_department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="led_cross_items",
        verbose_name=_("牵头部门"),
    )
    departments = models.ManyToManyField(
        "orgs.Department", related_name="cross_items", verbose_name=_("配合部门")
    )
    items = models.ManyToManyField(SupervisionItem, related_name="cross_items", verbose_name=_("包含事项"))
    domain = models.ForeignKey(
        "orgs.Domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("领域"),
    )
    campaign = models.BooleanField(_("专项行动"), default=False)
    procedure = models.TextField(_("联合检查程序"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("跨部门综合监管事项")
        verbose_name_plural = _("跨部门综合监管事项")

    def __str__(self) -> str:
        return self.name
