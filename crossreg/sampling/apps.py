from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "crossreg.sampling"
    label = "sampling"
    verbose_name = "双随机抽查"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.sampling.demo_step import demo_step

        demo_step_register(DemoStep(name="sampling", order=300, run=demo_step))

        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.sampling import selectors

        subject_type_register(
            SubjectType(
                name="sampling.plan",
                label=_("抽查计划"),
                visible=selectors.plan_subject_visible,
                url=selectors.plan_subject_url,
                display=selectors.plan_subject_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="sampling.period",
                label=_("抽查周期汇总比对"),
                visible=selectors.period_subject_visible,
                url=selectors.period_subject_url,
            )
        )
