"""Organisations: divisions, departments, teams, officers, users (REQUIREMENTS M9)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """A GB/T 2260 administrative division, a functional zone, or a township/street below a county."""

    class Level(models.TextChoices):
        CITY = "city", _("设区市")
        COUNTY = "county", _("县(市、区)")
        ZONE = "zone", _("功能区")
        TOWNSHIP = "township", _("乡镇")
        STREET = "street", _("街道")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    gb2260 = models.BooleanField(
        _("GB/T 2260 代码"),
        default=True,
        help_text=_("False for functional zones and townships whose code is local, not GB/T 2260."),
    )
    # Centre of the division, for synthetic coordinates and maps.
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def county_code(self) -> str:
        """The six-digit county-level code this division lies in."""
        return self.code[:6]


class GridCell(models.Model):
    """The smallest unit of grid supervision (网格)."""

    code = models.CharField(_("网格编码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="grid_cells")

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    """A supervision domain: a key domain (重点领域) or an enforcement field an officer is qualified for."""

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    key = models.BooleanField(_("重点领域"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("监管领域")
        verbose_name_plural = _("监管领域")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    class Role(models.TextChoices):
        SUPERVISING = "supervising", _("监管部门")
        APPROVAL = "approval", _("行政审批局")
        JUSTICE = "justice", _("司法局")
        BIGDATA = "bigdata", _("大数据管理局")
        LEADERSHIP = "leadership", _("领导机构")

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    short_name = models.CharField(_("简称"), max_length=16)
    role = models.CharField(_("职能"), max_length=16, choices=Role.choices, default=Role.SUPERVISING)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        help_text=_("The city department a county bureau belongs to."),
    )
    domains = models.ManyToManyField(Domain, blank=True, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(fields=["name", "division"], name="department_name_division_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部门执法队伍")
        COMPREHENSIVE = "comprehensive", _("综合行政执法队伍")
        TOWNSHIP = "township", _("乡镇(街道)综合执法队")

    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="teams")
    domains = models.ManyToManyField(Domain, blank=True, related_name="teams")

    class Meta:
        ordering = ["department", "name"]
        verbose_name = _("执法队伍")
        verbose_name_plural = _("执法队伍")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="team_department_name_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    """A certified enforcement officer (执法人员). Art. 42: two certified officers per enforcement act."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        SUSPENDED = "suspended", _("暂停执法")

    certificate_no = models.CharField(_("执法证号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=32)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="officers")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="officers")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="officers")
    domains = models.ManyToManyField(Domain, blank=True, related_name="officers", verbose_name=_("执法领域"))
    valid_from = models.DateField(_("证件生效"))
    valid_until = models.DateField(_("证件有效期至"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    user = models.OneToOneField(
        "orgs.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="officer"
    )

    class Meta:
        ordering = ["department", "certificate_no"]
        verbose_name = _("执法人员")
        verbose_name_plural = _("执法人员")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="officer_validity_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.certificate_no})"

    def can_enforce(self, on: dt.date) -> bool:
        return self.status == self.Status.ACTIVE and self.valid_from <= on <= self.valid_until


class User(AbstractUser):
    """A person who logs in. Department-scoped: what they see follows their department and role."""

    class Role(models.TextChoices):
        STAFF = "staff", _("部门工作人员")
        DEPT_ADMIN = "dept_admin", _("部门管理员")
        OFFICER = "officer", _("执法人员")
        APPROVAL = "approval", _("审批局工作人员")
        JUSTICE = "justice", _("司法局工作人员")
        DEPT_HEAD = "dept_head", _("部门负责人")
        LEGAL = "legal", _("法制审核人员")
        CREDIT = "credit", _("发改委信用工作人员")
        HOTLINE = "hotline", _("12345热线工作人员")
        FINANCE = "finance", _("财务审批人员")
        AUDITOR = "auditor", _("纪检审计人员")
        BIGDATA = "bigdata", _("大数据局工作人员")
        LEADER = "leader", _("领导")
        ADMIN = "admin", _("系统管理员")

    display_name = models.CharField(_("姓名"), max_length=32, blank=True)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def sees_all_departments(self) -> bool:
        """Leaders, the big-data bureau and system administrators see every department's data."""
        return self.is_superuser or self.role in {self.Role.LEADER, self.Role.BIGDATA, self.Role.ADMIN}


class ApiToken(models.Model):
    """A scoped, revocable credential for a department's system calling the API.

    Only the SHA-256 of the secret is stored; the secret is shown once when the token is issued.
    """

    name = models.CharField(_("名称"), max_length=64)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="api_tokens")
    prefix = models.CharField(
        max_length=12, unique=True, help_text=_("First characters, to identify the token.")
    )
    secret_sha256 = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list, help_text=_('e.g. ["entities:read"]'))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DataAccess(models.Model):
    """One read of a company's or a person's personal data, or one export (数据访问记录).

    Written by :func:`crossreg.orgs.services.data_access_record` (reads) and
    :func:`~crossreg.orgs.services.data_export_record` (exports); read by the department's admin
    (``/orgs/access/``) and in the admin site. Append-only: nothing edits or deletes these rows (on
    PostgreSQL the application role may only INSERT and SELECT them, docs/deployment.md). Not ledger
    entries: reads are many and change nothing; the ledger records changes.
    """

    class Kind(models.TextChoices):
        READ = "read", _("查看")
        EXPORT = "export", _("导出")

    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices, default=Kind.READ)
    actor = models.CharField(
        _("访问者"), max_length=150, help_text="the principal's label, user:… or token:…"
    )
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("访问者部门"),
    )
    subject_type = models.CharField(
        _("对象类型"), max_length=32, help_text="entity, person, or what was exported"
    )
    subject_id = models.CharField(_("对象"), max_length=64, blank=True)
    what = models.CharField(
        _("页面或接口"), max_length=64, help_text="e.g. entities.detail, linking.list.export"
    )
    fields = models.JSONField(_("字段"), default=list, blank=True)
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("数据访问记录")
        verbose_name_plural = _("数据访问记录")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-at"], name="orgs_access_subject_idx"),
            models.Index(fields=["department", "-at"], name="orgs_access_dept_idx"),
            models.Index(fields=["user", "-at"], name="orgs_access_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.kind} {self.subject_type}:{self.subject_id}"
