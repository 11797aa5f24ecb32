from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "crossreg.sampling"
    label = "sampling"
    verbose_name = "双随机抽查"
