"""What people read for the object base's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, subjects_register

subjects_register(
    {
        "linking.list": _("部门名录"),
        "linking.entity": _("市场主体关联"),
        "linking.review": _("关联审核"),
        "linking.model": _("关联模型"),
        "linking": _("跨部门对象库"),
    }
)
actions_register(
    {
        "linking.relink": _("重新关联全部名录"),
        "linking.model.install_default": _("关联模型 · 安装默认模型"),
        "linking.review.decide": _("关联审核 · 作出判断"),
    }
)
