from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "crossreg.inspections"
    label = "inspections"
    verbose_name = "检查任务"
