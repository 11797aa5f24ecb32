"""Inspection tasks: one visit per drawn entity, its officers, merged checklist, evidence, history.

The task's current state is ``status``; every change appends a :class:`TaskEvent` (the workflow is
the table in :mod:`crossreg.inspections.workflow`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crossreg.inspections.querysets import TaskQuerySet


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已派发")
    IN_PROGRESS = "in_progress", _("检查中")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("待确认")
    SUBMITTED = "submitted", _("已提交")
    FOLLOW_UP = "follow_up", _("待后续处置")
    PUBLISHED = "published", _("已公示")
    CANCELLED = "cancelled", _("已撤销")


class Trigger(models.TextChoices):
    """Why the visit happens (the task's first source; further sources are :class:`TaskSource`)."""

    RANDOM = "random", _("双随机抽查")
    CLUE = "clue", _("线索核查")
    COMPLAINT = "complaint", _("投诉举报")
    PROVINCIAL = "provincial", _("上级交办")
    TRANSFER = "transfer", _("部门移送")
    EXCHANGE = "exchange", _("外部系统推送")
    MANUAL = "manual", _("其他")


class InspectionTask(models.Model):
    code = models.CharField(_("任务编号"), max_length=40, unique=True)
    trigger = models.CharField(_("检查来源"), max_length=16, choices=Trigger.choices, default=Trigger.RANDOM)
    source_ref = models.CharField(_("来源编号"), max_length=128, blank=True)
    period = models.CharField(_("抽查周期"), max_length=16, db_index=True)
    entity = models.ForeignKey(
        "entities.Entity",
        on_delete=models.PROTECT,
        related_name="inspection_tasks",
        verbose_name=_("检查对象"),
    )
    joint = models.BooleanField(_("联合检查"), default=False)
    lead_department = models.ForeignKey(
        "orgs.Department", on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("牵头部门")
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED
    )
    window_start = models.DateField(_("检查开始日期"))
    window_end = models.DateField(_("检查截止日期"))
    deferred = models.BooleanField(
        _("顺延"), default=False, help_text=_("Window moved past the period by the quiet period.")
    )
    seed_plan = models.ForeignKey(
        "sampling.SamplingPlan",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Whose seed drew the officers (random draws only)."),
    )
    follow_up = models.BooleanField(_("需后续处置"), default=False)
    location_lat = models.FloatField(null=True, blank=True)
    location_lng = models.FloatField(null=True, blank=True)
    location_text = models.CharField(_("检查地点"), max_length=200, blank=True)
    location_source = models.CharField(max_length=8, blank=True)  # gps | manual
    summary = models.TextField(_("检查结果说明"), blank=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    result_due = models.DateField(_("结果公示期限"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["window_start", "code"]
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "entity"],
                condition=~models.Q(status="cancelled") & models.Q(trigger="random"),
                name="inspectiontask_one_random_visit_per_entity_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["status", "result_due"]),
            models.Index(fields=["entity", "window_end"]),
        ]

    def __str__(self) -> str:
        return self.code


class TaskDepartment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        PARTICIPANT = "participant", _("配合")

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="departments")
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=Role.choices)
    item_versions = models.JSONField(default=list)  # ids of the drawn item versions this department brings

    class Meta:
        ordering = ["task", "role", "department"]
        constraints = [models.UniqueConstraint(fields=["task", "department"], name="taskdept_uniq")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.department_id} {self.role}"


class TaskSource(models.Model):
    """What this task carries out: draw selections (several when departments' draws coincide), a
    clue, a complaint, an order from above, a push from another system (``trigger`` + ``ref``)."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="sources")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.RANDOM)
    ref = models.CharField(max_length=128, blank=True)
    selection = models.OneToOneField(
        "sampling.Selection", on_delete=models.PROTECT, related_name="task_source", null=True, blank=True
    )
    added_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "ref"],
                condition=models.Q(selection__isnull=True) & ~models.Q(ref=""),
                name="tasksource_one_task_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}<-{self.selection_id or f'{self.trigger}:{self.ref}'}"


class TaskOfficer(models.Model):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey("orgs.Officer", on_delete=models.PROTECT, related_name="task_assignments")
    department = models.ForeignKey("orgs.Department", on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("主办"), default=False)
    cost = models.BigIntegerField(default=0, help_text=_("HMAC rank used as the assignment cost."))
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "-lead", "cost"]
        constraints = [models.UniqueConstraint(fields=["task", "officer"], name="taskofficer_uniq")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.officer_id}"


class TaskPoint(models.Model):
    class Result(models.TextChoices):
        PENDING = "", _("未检查")
        PASS = "pass", _("通过")
        FINDING = "finding", _("发现问题")
        NA = "na", _("不适用")

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="points")
    seq = models.PositiveIntegerField()
    content = models.TextField()
    legal_basis = models.TextField(blank=True)
    finding_rule = models.TextField(blank=True)
    departments = models.JSONField(default=list)
    sources = models.JSONField(default=list)  # [[item version id, seq, department code], …]
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.PENDING, blank=True)
    note = models.TextField(blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="taskpoint_uniq")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.content[:30]}"


def _photo_path(instance: TaskPhoto, filename: str) -> str:
    return f"inspections/{instance.task.code}/{instance.sha256}{_ext(filename)}"


def _ext(name: str) -> str:
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    return ext if ext in {".jpg", ".jpeg", ".png", ".webp", ".heic"} else ".bin"


class TaskPhoto(models.Model):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="photos")
    point = models.ForeignKey(
        TaskPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    file = models.FileField(upload_to=_photo_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.sha256


class TaskEvent(models.Model):
    """Append-only history of a task's states."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=24)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.transition}"


class OfficerRelation(models.Model):
    """A declared relation between an officer and an entity (Art. 43 recusal): never assigned to it."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("近亲属关系")
        INTEREST = "interest", _("利害关系")
        FORMER_EMPLOYEE = "former_employee", _("曾任职")
        OTHER = "other", _("其他可能影响公正的关系")

    officer = models.ForeignKey("orgs.Officer", on_delete=models.CASCADE, related_name="relations")
    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="officer_relations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.CharField(max_length=200, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回避关系")
        verbose_name_plural = _("回避关系")
        constraints = [models.UniqueConstraint(fields=["officer", "entity"], name="officerrelation_uniq")]

    def __str__(self) -> str:
        return f"{self.officer_id}~{self.entity_id} {self.kind}"
