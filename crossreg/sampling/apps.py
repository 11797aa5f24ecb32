from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "crossreg.sampling"
    label = "sampling"
    verbose_name = "双随机抽查"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.sampling.demo_step import demo_step

        demo_step_register(DemoStep(name="sampling", order=300, run=demo_step))
