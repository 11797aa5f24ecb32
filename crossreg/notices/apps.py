from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "crossreg.notices"
    verbose_name = "notices"
