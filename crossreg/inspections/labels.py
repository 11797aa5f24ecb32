"""What people read for the inspection task's codes (``crossreg.core.labels``)."""

from django.utils.translation import gettext_lazy as _

from crossreg.core.labels import (
    actions_register,
    fields_register,
    message_patterns_register,
    messages_register,
    subjects_register,
    verbs_register,
)

subjects_register({"inspection.task": _("检查任务"), "inspection": _("现场检查")})
actions_register(
    {
        "inspection.task.create": _("生成检查任务"),
        "inspection.task.merge": _("并入检查任务"),
        "inspection.task.start": _("开始检查"),
        "inspection.task.complete": _("完成检查，待确认"),
        "inspection.task.confirm": _("检查人员确认"),
        "inspection.task.reopen": _("重新检查"),
        "inspection.task.submit": _("提交检查结果"),
        "inspection.task.flag_follow_up": _("转后续处置"),
        "inspection.task.publish": _("公示检查结果"),
        "inspection.task.cancel": _("撤销检查任务"),
        "inspection.task.assign": _("指派检查人员"),
        "inspection.point.mark": _("记录检查项结果"),
        "inspection.photo.add": _("上传现场照片"),
        "inspection.location.set": _("记录检查位置"),
        "inspection.recusal.declare": _("声明回避"),
    }
)

verbs_register(
    {
        "flag_follow_up": _("转后续处置"),
        "complete": _("完成检查"),
        "start": _("开始检查"),
    }
)
fields_register(
    {
        "note": _("检查情况说明"),
        "photo": _("现场照片"),
        "result": _("检查结果"),
        "point": _("检查项"),
        "latitude": _("纬度"),
        "longitude": _("经度"),
        "officers": _("检查人员"),
    }
)
messages_register(
    {
        "describe the finding": _("请说明发现的问题"),
        "not a JPEG, PNG or WebP image": _("不是 JPEG、PNG 或 WebP 格式的图片"),
    }
)
messages_register(
    {
        "choose pass, finding or not applicable": _("请选择“符合”“发现问题”或“不适用”"),
        "coordinates out of range": _("坐标超出范围"),
        "give both latitude and longitude": _("请同时填写纬度和经度"),
        "give coordinates or the address": _("请填写坐标或地址"),
        "inspections need a signed-in user": _("请先登录"),
        "name the source of the visit": _("请填写检查来源"),
        "no such check point on this task": _("本任务没有这个检查项"),
        "record the location of the inspection": _("请记录检查位置"),
        "start the task before attaching photos": _("请先开始检查，再上传照片"),
        "start the task before recording results": _("请先开始检查，再记录结果"),
        "start the task before recording the location": _("请先开始检查，再记录位置"),
        "the file is empty": _("文件为空"),
        "the result is not awaiting confirmation": _("检查结果不在待确认状态"),
        "the window ends before it starts": _("检查期限的结束日期早于开始日期"),
        "you are not assigned to this task": _("您不是本任务的检查人员"),
        "you may not declare relations for this officer": _("您不能为这名执法人员声明回避关系"),
    }
)
message_patterns_register(
    [
        (r"^your role may not (?P<transition>\w+) this task$", _("您的角色不能对本任务执行“%(transition)s”")),
        (r"^the file is larger than (?P<limit>\d+) bytes$", _("文件超过 %(limit)s 字节")),
    ]
)
