"""What people read for the catalog's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import (
    actions_register,
    codes_register,
    fields_register,
    subjects_register,
    verbs_register,
)

subjects_register(
    {
        "catalog.compile": _("监管事项编制"),
        "catalog.adjust": _("监管事项调整"),
        "catalog.item": _("监管事项"),
        "catalog.version": _("监管事项版本"),
        "catalog.power_item": _("权力事项"),
        "catalog.cross_item": _("跨部门监管事项"),
        "catalog": _("监管事项清单"),
    }
)
verbs_register(
    {
        "convene": _("组织集中会审"),
        "concur": _("会审同意"),
        "object": _("会审不同意"),
        "abandon": _("放弃草稿"),
        "supersede": _("被新版本替代"),
        "file": _("提交初审"),
        "owner_concur": _("所属部门同意调整"),
        "owner_object": _("所属部门不同意调整"),
    }
)
actions_register(
    {
        "catalog.compile.submit": _("监管事项编制 · 提交会审"),
        "catalog.compile.complete": _("监管事项编制 · 会审通过"),
        "catalog.compile.pass": _("监管事项编制 · 合法性审核通过并发布"),
        "catalog.compile.return": _("监管事项编制 · 退回修改"),
        "catalog.adjust.create": _("监管事项调整 · 提出调整申请"),
        "catalog.adjust.pass": _("监管事项调整 · 审核通过"),
        "catalog.import": _("导入监管事项清单"),
        "catalog.import.run": _("导入监管事项清单"),
    }
)
fields_register(
    {
        "default_ratio": _("默认抽查比例(%)"),
        "power_items": _("权力事项"),
        "check_points": _("检查项"),
        "basis": _("检查依据"),
        "method": _("检查方式"),
        "method_text": _("检查方式"),
        "industries": _("行业"),
        "reason_kind": _("调整原因"),
        "involved_departments": _("会审部门"),
    }
)
# the catalog's check methods ("random、credit" in a diff) by their names
codes_register(
    "catalog.method",
    [
        ("random", _("双随机")),
        ("key", _("重点检查")),
        ("special", _("专项检查")),
        ("remote", _("非现场监管")),
        ("credit", _("信用监管")),
    ],
)
