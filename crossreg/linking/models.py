"""The cross-department supervision-object base (跨部门综合监管对象库, REQUIREMENTS M2).

Each department's list arrives as a :class:`SourceList` (one snapshot); its rows are kept raw as
:class:`SourceRecord` with standardised columns beside them. Linking points every record at one
registry :class:`~crossreg.entities.models.Entity`. An entity with current records from two or more
departments is in the base; :class:`BaseMembershipEvent` keeps the joins and leaves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceList(models.Model):
    """One snapshot of one department's list of supervised entities (部门名录)."""

    class Status(models.TextChoices):
        CURRENT = "current", _("当前")
        SUPERSEDED = "superseded", _("已被替换")

    class Channel(models.TextChoices):
        FILE = "file", _("文件上传")
        API = "api", _("接口推送")

    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="source_lists", verbose_name=_("部门")
    )
    system = models.CharField(_("来源系统"), max_length=64, blank=True)
    domain = models.ForeignKey(
        "orgs.Domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_lists",
        verbose_name=_("重点领域"),
        help_text=_("The key domain this list is about (e.g. 危险化学品), if any."),
    )
    snapshot = models.PositiveIntegerField(_("快照序号"))
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices, default=Channel.FILE)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    encoding = models.CharField(_("编码"), max_length=32, blank=True)
    column_mapping = models.JSONField(_("列映射"), default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict, help_text=_("new / kept / changed / left / linked"))
    warnings = models.JSONField(
        _("警告"),
        default=list,
        blank=True,
        help_text=_(
            "What the import accepted but reports: duplicate rows (with their row numbers), title rows."
        ),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.CURRENT)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("部门名录")
        verbose_name_plural = _("部门名录")
        constraints = [
            models.UniqueConstraint(fields=["department", "snapshot"], name="sourcelist_dept_snapshot_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} #{self.snapshot} {self.file_name}"


class SourceRecord(models.Model):
    """One row of a department's list: raw as received, standardised, and linked to an entity."""

    class State(models.TextChoices):
        CURRENT = "current", _("在册")
        LEFT = "left", _("已移出")

    class LinkMethod(models.TextChoices):
        NONE = "", _("未关联")
        USCC = "uscc", _("统一社会信用代码")
        REGNO = "regno", _("注册号")
        MODEL = "model", _("概率模型")
        REVIEW = "review", _("人工审核")
        SPLIT = "split", _("人工拆分")
        NEW = "new", _("新建主体")

    # Indexes are kept few: every one costs time on each of millions of rows written by an import
    # or a relink. The department is covered by the unique key and (department, state), the entity
    # by (entity, state); codes and names are matched in the linking engine, not in SQL.
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source_list = models.ForeignKey(
        SourceList,
        on_delete=models.PROTECT,
        related_name="first_records",
        verbose_name=_("首次出现的名录"),
        db_index=False,
    )
    last_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, related_name="records", verbose_name=_("最近出现的名录")
    )
    record_key = models.CharField(
        _("记录键"),
        max_length=64,
        help_text=_("Stable key of the row across snapshots: the department's own ID, else a content hash."),
    )
    local_id = models.CharField(_("部门编号"), max_length=64, blank=True)
    row_number = models.PositiveIntegerField(_("行号"))
    raw = models.JSONField(_("原始数据"))

    # Standardised columns (crossreg.linking.standardise); the raw row stays in ``raw``.
    uscc_raw = models.CharField(_("代码(原文)"), max_length=64, blank=True)
    uscc_norm = models.CharField(_("代码(规范化)"), max_length=64, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    uscc_valid = models.BooleanField(_("代码有效"), default=False)
    registration_no = models.CharField(_("注册号"), max_length=15, blank=True)
    orgcode = models.CharField(_("组织机构代码"), max_length=9, blank=True)
    name = models.CharField(_("名称"), max_length=200, blank=True)
    name_norm = models.CharField(_("规范化名称"), max_length=200, blank=True)
    name_region = models.CharField(max_length=32, blank=True)
    trade_name = models.CharField(_("字号"), max_length=64, blank=True)
    industry_words = models.CharField(max_length=64, blank=True)
    org_form = models.CharField(max_length=32, blank=True)
    branch = models.CharField(_("分支机构"), max_length=64, blank=True)
    former_names = models.CharField(
        _("曾用名"),
        max_length=255,
        blank=True,
        help_text=_("Former names noted in the list's name column (…(原名…)), folded, separated by |."),
    )
    division_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    county = models.CharField(_("县级区划"), max_length=6, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    address_core = models.CharField(_("地址(去区划)"), max_length=255, blank=True)
    legal_rep = models.CharField(_("法定代表人/负责人"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    content_sha1 = models.CharField(
        max_length=40, help_text=_("Hash of the standardised columns: a changed row is relinked.")
    )

    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.CURRENT)
    left_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    left_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_records",
        verbose_name=_("市场主体"),
        db_index=False,
    )
    link_method = models.CharField(
        _("关联方式"), max_length=8, choices=LinkMethod.choices, default=LinkMethod.NONE, blank=True
    )
    link_score = models.FloatField(_("匹配概率"), null=True, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("部门名录记录")
        verbose_name_plural = _("部门名录记录")
        constraints = [
            models.UniqueConstraint(fields=["department", "record_key"], name="sourcerecord_dept_key_uniq"),
        ]
        indexes = [
            models.Index(fields=["entity", "state"], name="sourcerecord_entity_state_idx"),
            models.Index(fields=["department", "state"], name="sourcerecord_dept_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id}:{self.record_key} {self.name}"


class LinkModel(models.Model):
    """A versioned, trained Splink model (settings + m/u parameters) and its thresholds."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    splink_version = models.CharField(max_length=16)
    settings_json = models.JSONField(_("Splink 模型"))
    sha256 = models.CharField(max_length=64)
    path = models.CharField(_("模型文件"), max_length=255, blank=True)
    threshold_match = models.FloatField(_("自动关联阈值"))
    threshold_review = models.FloatField(_("人工审核阈值"))
    trained_on = models.PositiveIntegerField(_("训练记录数"), default=0)
    summary = models.JSONField(default=dict)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("关联模型")
        verbose_name_plural = _("关联模型")

    def __str__(self) -> str:
        return f"link model v{self.version}"


class ReviewPair(models.Model):
    """A pair of records the model is unsure about (between the two thresholds), or a human decision.

    A decided pair overrides the model on every later run: ``match`` forces the link, ``non_match``
    forbids it (also used to remember a split).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        MATCH = "match", _("是同一主体")
        NON_MATCH = "non_match", _("不是同一主体")

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    other_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    other_entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The registry entry the record is compared with."),
    )
    node_a = models.BigIntegerField(
        help_text=_("Linking node ids: a record's id, or minus a registry entity's id.")
    )
    node_b = models.BigIntegerField()
    match_probability = models.FloatField(_("匹配概率"), null=True, blank=True)
    match_weight = models.FloatField(_("匹配权重"), null=True, blank=True)
    evidence = models.JSONField(_("证据"), default=list)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    origin = models.CharField(max_length=12, default="model", help_text=_("model / split / manual"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-match_probability", "id"]
        verbose_name = _("待审核记录对")
        verbose_name_plural = _("待审核记录对")
        constraints = [
            models.UniqueConstraint(fields=["node_a", "node_b"], name="reviewpair_pair_uniq"),
            models.CheckConstraint(
                condition=models.Q(node_a__lt=models.F("node_b")), name="reviewpair_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(other_record__isnull=True) ^ models.Q(other_entity__isnull=True),
                name="reviewpair_one_other",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_a}~{self.node_b} {self.status}"


class EntityLinkState(models.Model):
    """Per entity: where it came from and whether it is in the cross-department base."""

    entity = models.OneToOneField(
        "entities.Entity", on_delete=models.CASCADE, primary_key=True, related_name="link_state"
    )
    source_only = models.BooleanField(
        _("仅见于部门名录"),
        default=False,
        help_text=_("Created by linking: no registry entry matched the records."),
    )
    departments = models.JSONField(_("在册部门"), default=list)
    department_count = models.PositiveSmallIntegerField(_("在册部门数"), default=0, db_index=True)
    in_base = models.BooleanField(_("在跨部门对象库"), default=False, db_index=True)
    base_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("主体关联状态")
        verbose_name_plural = _("主体关联状态")

    def __str__(self) -> str:
        return f"{self.entity_id} in_base={self.in_base}"


class BaseMembershipEvent(models.Model):
    """A join or a leave of the cross-department base (append-only)."""

    class Kind(models.TextChoices):
        JOIN = "join", _("入库")
        LEAVE = "leave", _("出库")

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="base_events")
    kind = models.CharField(_("变动"), max_length=8, choices=Kind.choices)
    departments = models.JSONField(_("在册部门"), default=list)
    source_list = models.ForeignKey(
        SourceList, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("对象库变动")
        verbose_name_plural = _("对象库变动")

    def __str__(self) -> str:
        return f"{self.entity_id} {self.kind}"


class EntityRelation(models.Model):
    """A branch office (分公司) and its parent: related, but separate supervision objects."""

    class Kind(models.TextChoices):
        BRANCH = "branch", _("分支机构")

    parent = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="child_relations")
    child = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="parent_relations")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BRANCH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("主体关系")
        verbose_name_plural = _("主体关系")
        constraints = [
            models.UniqueConstraint(fields=["parent", "child", "kind"], name="entityrelation_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.kind} of {self.parent_id}"
