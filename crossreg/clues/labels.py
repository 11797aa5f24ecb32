"""What people read for the clue codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import subjects_register, verbs_register

subjects_register(
    {
        "clue": _("监测线索"),
        "clue.bundle": _("线索包"),
        "clue_bundle": _("线索包"),
        "clue_device": _("监测设备"),
        "clue_rule": _("预警规则"),
    }
)
verbs_register(
    {
        "raised": _("产生"),
        "cleared": _("解除"),
        "entity_assigned": _("关联主体"),
        "evidence_frozen": _("固定证据"),
        "proof": _("提交整改证明"),
        "registered": _("登记"),
        "opened": _("打开"),
        "escalate_case": _("转立案"),
        "escalate_task": _("转检查任务"),
        "dismiss": _("排除"),
        "reject_proof": _("不认可整改证明"),
        "upload_proof": _("上传整改证明"),
    }
)
