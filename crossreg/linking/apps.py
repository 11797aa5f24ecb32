from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "crossreg.linking"
    label = "linking"
    verbose_name = "跨部门综合监管对象库"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.linking.demo_step import demo_step

        demo_step_register(DemoStep(name="object base", order=200, run=demo_step))

        from crossreg.linking import subjects

        subjects.register()
