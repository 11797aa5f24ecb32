from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "crossreg.synth"
    label = "synth"
    verbose_name = "Synthetic city"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.orgs.selectors import city_level_only

        # the synthetic city's generation run: for the city-level roles only
        subject_type_register(SubjectType(name="city", label=_("模拟城市"), visible=city_level_only))
