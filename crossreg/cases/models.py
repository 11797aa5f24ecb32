"""Enforcement cases (行政处罚 / 行政强制): sources, cases, officers, evidence, documents, clocks,
reviews, compulsory measures, discretion benchmarks and publication.

A case's current state is ``Case.state``; every change appends a :class:`CaseEvent` (the workflow
is the table in :mod:`crossreg.cases.workflow`). Every write goes through :mod:`crossreg.cases.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    INSPECTION = "inspection", _("检查发现")
    CLUE = "clue", _("监测线索")
    COMPLAINT = "complaint", _("投诉举报")
    TRANSFER = "transfer", _("部门移送")
    MANUAL = "manual", _("其他来源")


class CaseState(models.TextChoices):
    FILED = "filed", _("已立案")
    INVESTIGATION = "investigation", _("调查取证")
    REVIEW = "review", _("案件审核")
    NOTICE = "notice", _("处罚告知")
    HEARING = "hearing", _("听证")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    REVIEWED = "reviewed", _("法制审核通过")
    DISCUSSION = "discussion", _("集体讨论")
    DECIDED = "decided", _("已作出决定")
    ENFORCEMENT = "enforcement", _("执行中")
    CLOSED = "closed", _("已结案")
    ARCHIVED = "archived", _("已归档")
    NOT_PENALISED = "not_penalised", _("不予处罚")
    WITHDRAWN = "withdrawn", _("已撤销立案")
    SUSPENDED = "suspended", _("中止")
    TRANSFERRED = "transferred", _("已移送")
    REVOKED = "revoked", _("决定已撤销")


OPEN_STATES = (
    CaseState.FILED,
    CaseState.INVESTIGATION,
    CaseState.REVIEW,
    CaseState.NOTICE,
    CaseState.HEARING,
    CaseState.LEGAL_REVIEW,
    CaseState.REVIEWED,
    CaseState.DISCUSSION,
    CaseState.SUSPENDED,
)


class PenaltyKind(models.TextChoices):
    """行政处罚法 Art. 9, in order of weight (lighter first)."""

    WARNING = "warning", _("警告")
    CRITICISM = "criticism", _("通报批评")
    FINE = "fine", _("罚款")
    CONFISCATION = "confiscation", _("没收违法所得、没收非法财物")
    LICENCE_DOWNGRADE = "licence_downgrade", _("降低资质等级")
    RESTRICT_PRACTICE = "restrict_practice", _("限制从业")
    SUSPEND_BUSINESS = "suspend_business", _("责令停产停业")
    LICENCE_REVOKE = "licence_revoke", _("吊销许可证件")
    CLOSE = "close", _("责令关闭")


#: Art. 63: these kinds give the party the right to a hearing whatever the amount.
HEARING_KINDS = frozenset(
    {
        PenaltyKind.LICENCE_DOWNGRADE,
        PenaltyKind.LICENCE_REVOKE,
        PenaltyKind.SUSPEND_BUSINESS,
        PenaltyKind.CLOSE,
        PenaltyKind.RESTRICT_PRACTICE,
    }
)


class PartyKind(models.TextChoices):
    NATURAL = "natural", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", _("普通程序")
    SIMPLIFIED = "simplified", _("简易程序")


class CaseSource(models.Model):
    """案件来源登记: a finding, clue, complaint, transfer or other lead, before filing is decided."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待立案审批")
        FILED = "filed", _("已立案")
        NOT_FILED = "not_filed", _("不予立案")

    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="case_sources")
    kind = models.CharField(_("来源类型"), max_length=16, choices=SourceKind.choices)
    ref = models.CharField(_("来源编号"), max_length=100)
    summary = models.TextField(_("来源摘要"))
    discovered_on = models.DateField(_("发现日期"))
    evidence = models.JSONField(default=list, help_text=_("[{sha256, title, kind}] fixed with the source"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    filing_due = models.DateField(_("立案审批期限"))
    filing_extended = models.BooleanField(default=False)
    decision_reason = models.TextField(_("不予立案理由"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["filing_due", "id"]
        verbose_name = _("案件来源")
        verbose_name_plural = _("案件来源")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "kind", "ref"], name="casesource_dept_kind_ref_uniq"
            )
        ]
        indexes = [models.Index(fields=["department", "status", "filing_due"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ref}"


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, principal: Any) -> CaseQuerySet:
        """A department's cases for its people and systems; every case for the city-level roles."""
        from crossreg.orgs.permissions import Capability, Principal

        p = Principal.of(principal)
        if p.is_anonymous:
            return self.none()
        if p.sees_all or p.is_admin:
            return self
        if not p.department_id or not (
            p.has(Capability.VIEW_DEPARTMENT_DATA) or p.has(Capability.HANDLE_CASES)
        ):
            return self.none()
        return self.filter(department_id=p.department_id)

    def published(self) -> CaseQuerySet:
        return self.filter(published_at__isnull=False)


class Case(models.Model):
    """One enforcement case of one department against one party (案件)."""

    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="cases")
    source = models.ForeignKey(CaseSource, on_delete=models.PROTECT, related_name="cases", null=True)
    task_code = models.CharField(_("检查任务"), max_length=40, blank=True, db_index=True)
    procedure = models.CharField(max_length=12, choices=Procedure.choices, default=Procedure.ORDINARY)
    state = models.CharField(_("状态"), max_length=16, choices=CaseState.choices, default=CaseState.FILED)
    suspended_from = models.CharField(max_length=16, blank=True)
    version = models.PositiveIntegerField(default=1, help_text=_("Bumped on every change (concurrency)."))
    title = models.CharField(_("案由"), max_length=200)
    facts = models.TextField(_("违法事实"), blank=True)
    party_kind = models.CharField(max_length=12, choices=PartyKind.choices, default=PartyKind.ORGANISATION)
    party_name = models.CharField(_("当事人"), max_length=128)
    party_representative = models.CharField(_("法定代表人/负责人"), max_length=32, blank=True)
    # Art. 58 / Art. 57 flags, set at filing or review.
    major_public_interest = models.BooleanField(_("涉及重大公共利益"), default=False)
    complex_case = models.BooleanField(_("案情复杂、涉及多个法律关系"), default=False)
    major_case = models.BooleanField(_("重大案件（须集体讨论）"), default=False)
    # The discretion entry applied and the proposed (notice) and decided penalties.
    discretion_entry = models.ForeignKey(
        "DiscretionEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    proposed_kinds = models.JSONField(default=list)
    proposed_fine = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    proposed_confiscation = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    deviation_reason = models.TextField(_("偏离裁量基准的理由"), blank=True)
    decided_kinds = models.JSONField(default=list)
    decided_fine = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    decided_confiscation = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credit_severity = models.CharField(max_length=10, blank=True)
    # Clocks (computed by crossreg.cases.clocks from core.calendar; stored for lists).
    discovered_on = models.DateField(_("发现日期"))
    filed_on = models.DateField(_("立案日期"))
    filed_late = models.BooleanField(default=False)
    decision_extension_days = models.PositiveIntegerField(default=0)
    decision_extensions = models.PositiveSmallIntegerField(default=0)
    suspended_on = models.DateField(null=True, blank=True)
    suspended_days = models.PositiveIntegerField(default=0, help_text=_("Calendar days not counted."))
    notice_issued_on = models.DateField(null=True, blank=True)
    notice_served_on = models.DateField(null=True, blank=True)
    defence_waived = models.BooleanField(default=False)
    hearing_requested_on = models.DateField(null=True, blank=True)
    hearing_notified_on = models.DateField(null=True, blank=True)
    hearing_on = models.DateField(null=True, blank=True)
    hearing_held = models.BooleanField(default=False)
    decided_on = models.DateField(null=True, blank=True)
    served_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    next_due = models.DateField(_("最近期限"), null=True, blank=True)
    next_due_label = models.CharField(max_length=40, blank=True)
    # Publicity (执法公示).
    publish_due = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publicity_ends_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    withdraw_due = models.DateField(null=True, blank=True)
    publication_withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            models.Index(fields=["department", "next_due"], name="case_dept_next_due_idx"),
            models.Index(fields=["department", "state"], name="case_dept_state_idx"),
            models.Index(fields=["department", "-filed_on"], name="case_dept_filed_idx"),
            models.Index(fields=["published_at"], name="case_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(decided_fine__gte=0), name="case_fine_nonneg"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseOfficer(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey("orgs.Officer", on_delete=models.PROTECT, related_name="case_assignments")
    lead = models.BooleanField(_("主办"), default=False)

    class Meta:
        ordering = ["case", "-lead", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "officer"], name="caseofficer_uniq")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.officer_id}"


class CaseEvent(models.Model):
    """Append-only history of a case's states and actions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    return f"cases/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A piece of evidence; its SHA-256 is fixed in the ledger when it is attached (固证)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        QUESTIONING = "questioning", _("询问笔录")
        ONSITE = "onsite", _("现场检查笔录")
        DOCUMENT = "document", _("书证")
        MONITORING = "monitoring", _("电子监控数据")
        OTHER = "other", _("其他证据")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("证据名称"), max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to=_evidence_path, max_length=200, blank=True)
    origin = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. task:CODE, shared with sibling cases")
    )
    added_by = models.CharField(max_length=100)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="evidence_case_sha_uniq")]

    def __str__(self) -> str:
        return self.title


class DocumentKind(models.TextChoices):
    FILING = "filing", _("立案审批表")
    QUESTIONING = "questioning", _("询问笔录")
    ONSITE = "onsite", _("现场检查笔录")
    NOTICE = "notice", _("行政处罚告知书")
    HEARING = "hearing", _("听证通知书")
    LEGAL_REVIEW = "legal_review", _("法制审核意见书")
    DISCUSSION = "discussion", _("集体讨论记录")
    DECISION = "decision", _("行政处罚决定书")
    SERVICE = "service", _("送达回证")
    MEASURE = "measure", _("查封扣押决定书")
    CLOSING = "closing", _("结案报告")


class DocumentTemplate(models.Model):
    """A versioned template of an enforcement document; the published version of a kind is used."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=100)
    number_word = models.CharField(max_length=8, help_text=_("处罚 in 盐市监处罚〔2026〕12号"))
    fields = models.JSONField(default=list, help_text=_("Required context fields"))
    body = models.TextField(help_text=_("Paragraphs; {{ field }} placeholders (Jinja, as docxtpl)"))
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="doctemplate_kind_version_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class DocumentCounter(models.Model):
    """The last number issued per department, year and document word. Incremented under a row lock
    in the transaction that issues the document: a rollback undoes the increment with the document,
    so numbers have no gaps and a number, once issued, is never issued again."""

    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    word = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "year", "word"], name="doccounter_uniq")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.year} {self.word} {self.last}"


class Document(models.Model):
    """An issued, numbered enforcement document; its SHA-256 is in the ledger."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", null=True)
    measure = models.ForeignKey(
        "CompulsoryMeasure", on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    number = models.CharField(_("文书编号"), max_length=40, unique=True)
    year = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="+")
    context = models.JSONField(default=dict)
    text = models.TextField(help_text=_("The rendered text, whose SHA-256 is fixed in the ledger"))
    sha256 = models.CharField(max_length=64)
    short = models.CharField(max_length=16, unique=True, help_text=_("Short link code on the paper"))
    issued_by = models.CharField(max_length=100)
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class LegalReview(models.Model):
    """法制审核 (Art. 58): the opinion of a legal reviewer of the department."""

    class Opinion(models.TextChoices):
        PASSED = "passed", _("通过")
        RETURNED = "returned", _("退回")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField(max_length=10, choices=Opinion.choices)
    text = models.TextField(_("审核意见"))
    case_version = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.opinion}"


class Discussion(models.Model):
    """集体讨论 (Art. 57) of a major or complex case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="discussions")
    held_on = models.DateField()
    participants = models.TextField(_("参加人员"))
    conclusion = models.TextField(_("讨论结论"))
    recorded_by = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class CompulsoryMeasure(models.Model):
    """查封 / 扣押 (行政强制法 Art. 22–28): approval, items, 30 (+30) days, release."""

    class Kind(models.TextChoices):
        SEALING = "sealing", _("查封")
        SEIZURE = "seizure", _("扣押")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        IN_FORCE = "in_force", _("实施中")
        RELEASED = "released", _("已解除")
        REFUSED = "refused", _("未批准")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    items = models.JSONField(default=list, help_text=_("[{name, quantity, unit, location}]"))
    reason = models.TextField(_("理由和依据"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    emergency = models.BooleanField(_("当场实施"), default=False)
    emergency_started_at = models.DateTimeField(null=True, blank=True)
    report_due_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=100, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    extension_reason = models.TextField(blank=True)
    released_on = models.DateField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class DiscretionBenchmark(models.Model):
    """裁量基准: a versioned, published table of bands for one penalty power item of the catalog."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被替代")

    power_item = models.ForeignKey("catalog.PowerItem", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["power_item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["power_item", "version"], name="benchmark_item_version_uniq"),
            models.UniqueConstraint(
                fields=["power_item"], condition=Q(status="published"), name="benchmark_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.power_item_id} v{self.version}"


class DiscretionEntry(models.Model):
    """One violation of a benchmark: its clause, range, suggested band, factors, no-penalty list."""

    class NoPenalty(models.TextChoices):
        NONE = "", _("—")
        FIRST_OFFENCE = "first_offence", _("首违不罚")
        MINOR = "minor", _("轻微不罚")

    benchmark = models.ForeignKey(DiscretionBenchmark, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=40)
    violation = models.CharField(_("违法行为"), max_length=200)
    legal_clause = models.CharField(_("处罚依据"), max_length=200)
    kinds = models.JSONField(default=list)
    fine_min = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fine_max = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    suggested_min = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    suggested_max = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    factors = models.TextField(_("从轻、从重情节"), blank=True)
    no_penalty = models.CharField(max_length=16, choices=NoPenalty.choices, default="", blank=True)

    class Meta:
        ordering = ["benchmark", "code"]
        constraints = [models.UniqueConstraint(fields=["benchmark", "code"], name="discretionentry_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.violation}"
