from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "crossreg.synth"
    label = "synth"
    verbose_name = "Synthetic city"
