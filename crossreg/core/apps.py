from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crossreg.core"
    verbose_name = "core"
