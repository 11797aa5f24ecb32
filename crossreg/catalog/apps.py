from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "crossreg.catalog"
    verbose_name = "catalog"

    def ready(self) -> None:
        from crossreg.catalog.demo_step import demo_step
        from crossreg.core.demo import DemoStep, demo_step_register

        demo_step_register(DemoStep(name="catalog", order=100, run=demo_step))

        from django.utils.translation import gettext_lazy as _

        from crossreg.catalog import selectors
        from crossreg.core.subjects import SubjectType, subject_type_register

        subject_type_register(
            SubjectType(
                name="catalog.item_version",
                label=_("监管事项版本"),
                visible=selectors.version_subject_visible,
                public=selectors.version_subject_public,
                url=selectors.version_subject_url,
                display=selectors.version_subject_display,
            )
        )
        for name, label in (
            ("catalog.power_item", _("行政权力事项")),
            ("catalog.cross_item", _("跨部门监管事项")),
        ):
            subject_type_register(
                SubjectType(name=name, label=label, visible=selectors.reference_subject_visible)
            )
        subject_type_register(
            SubjectType(
                name="catalog.import", label=_("监管事项导入"), visible=selectors.import_subject_visible
            )
        )
