from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "crossreg.catalog"
    verbose_name = "catalog"

    def ready(self) -> None:
        from crossreg.catalog.demo_step import demo_step
        from crossreg.core.demo import DemoStep, demo_step_register

        demo_step_register(DemoStep(name="catalog", order=100, run=demo_step))
