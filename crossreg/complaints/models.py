"""Complaints, reports, enquiries and suggestions (投诉 · 举报 · 咨询 · 建议), their routing rules,
history, attachments, rewards and the replies pushed back to the 12345 hotline.

A submission's current state is ``state``; every change appends a :class:`SubmissionEvent`; the
workflow is the table in :mod:`crossreg.complaints.workflow`. The person's contact details are
stored only encrypted (``contact_cipher``, Fernet — :mod:`crossreg.complaints.crypto`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    ENQUIRY = "enquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")


class Channel(models.TextChoices):
    WEB = "web", _("网上提交")
    HOTLINE = "hotline", _("12345热线")
    DESK = "desk", _("窗口登记")
    LETTER = "letter", _("来信")


class State(models.TextChoices):
    RECEIVED = "received", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    MEDIATING = "mediating", _("调解中")
    MEDIATED = "mediated", _("调解成功")
    MEDIATION_FAILED = "mediation_failed", _("调解终止")
    VERIFYING = "verifying", _("核查中")
    JUSTIFIED = "justified", _("举报属实")
    UNJUSTIFIED = "unjustified", _("举报不实")
    CASE_OPENED = "case_opened", _("已立案")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    DUPLICATE = "duplicate", _("重复件")
    SPLIT = "split", _("已拆分")


OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.ACCEPTED,
        State.MEDIATING,
        State.VERIFYING,
        State.JUSTIFIED,
        State.MEDIATED,
        State.MEDIATION_FAILED,
        State.UNJUSTIFIED,
        State.CASE_OPENED,
        State.REFUSED,
    }
)


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("已关联主体")
    UNRESOLVED = "unresolved", _("待关联主体")
    NONE = "none", _("无具体主体")


class ReporterType(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")
    ANONYMOUS = "anonymous", _("匿名")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("未能回访")


class RoutingRuleSet(models.Model):
    """One version of the routing rules; the newest active set is used."""

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    source_hash = models.CharField(
        max_length=64, blank=True, help_text="sha256 of the catalog rows it came from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("分办规则版本")
        verbose_name_plural = _("分办规则版本")

    def __str__(self) -> str:
        return f"v{self.version}"


class RoutingRule(models.Model):
    """Matter (a supervision domain) and, optionally, the entity's industry → the department."""

    ruleset = models.ForeignKey(RoutingRuleSet, on_delete=models.CASCADE, related_name="rules")
    seq = models.PositiveIntegerField(_("顺序"))
    matter = models.ForeignKey(
        "orgs.Domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项领域"),
    )
    industry_prefix = models.CharField(_("行业代码前缀"), max_length=4, blank=True)
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("来源监管事项"), max_length=40, blank=True)
    basis = models.CharField(_("依据"), max_length=32, blank=True)  # item | responsibility | fallback

    class Meta:
        ordering = ["ruleset", "seq"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "seq"], name="complaints_rule_seq_uniq")]

    def __str__(self) -> str:
        return f"{self.ruleset_id}#{self.seq} → {self.department_id}"


class Submission(models.Model):
    receipt_code = models.CharField(_("查询码"), max_length=16, unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.RECEIVED)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("原件"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("重复于"),
    )
    work_order_no = models.CharField(_("工单号"), max_length=40, null=True, blank=True, unique=True)
    # The person: only encrypted; the type decides reward eligibility.
    reporter_type = models.CharField(
        _("提交人类型"), max_length=16, choices=ReporterType.choices, default=ReporterType.PERSON
    )
    contact_cipher = models.TextField(blank=True)
    # What the entity is, as given, and what it was resolved to.
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被投诉举报主体"),
    )
    entity_name = models.CharField(_("主体名称(提交)"), max_length=128, blank=True)
    entity_uscc = models.CharField(_("统一社会信用代码(提交)"), max_length=18, blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, default=Resolution.NONE)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    place_key = models.CharField(max_length=200, blank=True, db_index=True)
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matter = models.ForeignKey(
        "orgs.Domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事项领域"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办部门"),
    )
    routing_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=120, blank=True)
    text = models.TextField(_("内容"))
    text_tokens = models.TextField(blank=True)  # jieba tokens, space-joined, for deduplication
    text_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("登记时间"))
    received_on = models.DateField(_("登记日期"), db_index=True)
    # The clock of the current step.
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    deadline_step = models.CharField(max_length=24, blank=True)
    step_started_on = models.DateField(null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    overdue = models.BooleanField(_("已超期"), default=False)
    # Handling results.
    reward_grade = models.PositiveSmallIntegerField(_("奖励等级"), null=True, blank=True)
    verification = models.TextField(_("核查结果"), blank=True)
    mediation = models.TextField(_("调解记录"), blank=True)
    reply_text = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_on_time = models.BooleanField(null=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    clue_ref = models.CharField(max_length=64, blank=True)
    case_source_ref = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        indexes = [
            models.Index(fields=["department", "state", "deadline"], name="complaint_inbox_idx"),
            models.Index(fields=["entity", "state"], name="complaint_entity_idx"),
            models.Index(fields=["place_key", "state"], name="complaint_place_idx"),
            models.Index(fields=["resolution", "state"], name="complaint_resolution_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class SubmissionEvent(models.Model):
    """Append-only history: one row per transition (the ledger holds the signed copy)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100)
    department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    public = models.BooleanField(default=True, help_text="shown to the submitter on the receipt page")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.transition}"


class Attachment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class IntakeHit(models.Model):
    """One public submission from an address (its HMAC), for the rate limit."""

    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address_hash", "at"], name="complaint_hit_idx")]

    def __str__(self) -> str:
        return self.address_hash[:8]


class UsedChallenge(models.Model):
    """A challenge token spent once (a replayed token is refused)."""

    digest = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest[:8]


class RewardState(models.TextChoices):
    COMPUTED = "computed", _("待部门审核")
    FINANCE_REVIEW = "finance_review", _("待财务审批")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已发放")
    REFUSED = "refused", _("不予奖励")
    NOT_ELIGIBLE = "not_eligible", _("不符合奖励条件")


class Reward(models.Model):
    """A report reward (举报奖励) for one penalty decision, computed by the configured rule."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="rewards")
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(_("案件编号"), max_length=64)
    decided_on = models.DateField(null=True, blank=True)
    fine = models.DecimalField(_("罚款"), max_digits=14, decimal_places=2, default=0)
    confiscation = models.DecimalField(_("没收违法所得"), max_digits=14, decimal_places=2, default=0)
    grade = models.PositiveSmallIntegerField(_("奖励等级"))
    computed_amount = models.DecimalField(_("计算金额"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("奖励金额"), max_digits=12, decimal_places=2)
    capped = models.BooleanField(_("已封顶"), default=False)
    rule = models.JSONField(default=dict)
    state = models.CharField(
        _("状态"), max_length=16, choices=RewardState.choices, default=RewardState.COMPUTED
    )
    reason = models.TextField(blank=True)
    payment_ref = models.CharField(_("支付凭证号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    event_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")
        constraints = [
            models.UniqueConstraint(fields=["submission", "case_number"], name="complaints_reward_case_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.amount}"


class RewardEvent(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=100)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.reward_id} {self.transition}"


class Outbound(models.Model):
    """A reply to push back to the 12345 hotline (the exchange delivers ``complaint.reply.sent``)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="outbound")
    work_order_no = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, default="reply")
    payload = models.JSONField(default=dict)
    event_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.work_order_no


class FeedImport(models.Model):
    """One 12345 feed delivery (file or push): what it created and what it already had."""

    sha256 = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=16)  # file | push
    file_name = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    actor_label = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created}/{self.rows})"
