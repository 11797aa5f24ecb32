from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "crossreg.linking"
    label = "linking"
    verbose_name = "跨部门综合监管对象库"
    default_auto_field = "django.db.models.BigAutoField"
