"""The market-entity registry (市场主体): the object every other module points at (REQUIREMENTS M2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.Model):
    """A GB/T 4754-2017 division (两位数大类), with its section letter (门类)."""

    code = models.CharField(_("行业代码"), max_length=2, primary_key=True)
    section = models.CharField(_("门类"), max_length=1)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")

    def __str__(self) -> str:
        return f"{self.section}{self.code} {self.name}"


class Entity(models.Model):
    class Type(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        INDIVIDUAL = "individual", _("个体工商户")
        COOP = "coop", _("农民专业合作社")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        OPERATING = "operating", _("在业")
        MOVED_OUT = "moved_out", _("迁出")
        REVOKED = "revoked", _("吊销")
        CANCELLED = "cancelled", _("注销")

    class CreditClass(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    # Identification. USCC is unique when present; an entity without one is allowed but flagged.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    uscc_orgcode_warning = models.BooleanField(
        _("组织机构代码校验位异常"),
        default=False,
        help_text=_(
            "The USCC check character is right but the embedded GB 11714 organisation code's is not."
        ),
    )
    registration_no = models.CharField(_("注册号"), max_length=15, blank=True, db_index=True)

    # Name and its parts (region + trade name + industry words + organisation form [+ branch]).
    name = models.CharField(_("名称"), max_length=128, db_index=True)
    name_norm = models.CharField(
        _("规范化名称"),
        max_length=128,
        db_index=True,
        help_text=_("Folded name used for exact and fuzzy search."),
    )
    name_region = models.CharField(_("名称中的行政区划"), max_length=32, blank=True)
    trade_name = models.CharField(_("字号"), max_length=32, blank=True, db_index=True)
    industry_words = models.CharField(_("行业表述"), max_length=32, blank=True)
    org_form = models.CharField(_("组织形式"), max_length=32, blank=True)
    branch = models.CharField(_("分支机构"), max_length=32, blank=True)

    entity_type = models.CharField(_("主体类型"), max_length=16, choices=Type.choices)
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, null=True, blank=True, related_name="entities"
    )
    division = models.ForeignKey(
        "orgs.Division", on_delete=models.PROTECT, related_name="entities", verbose_name=_("所属区划")
    )
    address = models.CharField(_("住所/经营场所"), max_length=200, blank=True)
    legal_rep = models.CharField(_("法定代表人/经营者"), max_length=32, blank=True)
    registered_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("登记状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    key_domains = models.ManyToManyField(
        "orgs.Domain", blank=True, related_name="entities", verbose_name=_("重点领域")
    )
    credit_class = models.CharField(
        _("信用风险分类(暂定)"), max_length=1, choices=CreditClass.choices, default=CreditClass.B
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("市场主体")
        verbose_name_plural = _("市场主体")
        indexes = [
            models.Index(fields=["division", "entity_type"], name="entity_division_type_idx"),
            models.Index(fields=["industry", "status"], name="entity_industry_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uscc_missing(self) -> bool:
        return not self.uscc
