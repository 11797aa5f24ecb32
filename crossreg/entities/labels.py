"""What people read for the registry's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import actions_register, fields_register

actions_register(
    {
        "city.seed": _("生成模拟城市"),
        "entity.create": _("登记市场主体"),
        "entity.update": _("更新市场主体信息"),
    }
)
fields_register({"legal_rep": _("法定代表人"), "registration_no": _("注册号"), "entity_type": _("主体类型")})
