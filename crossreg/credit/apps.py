from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "crossreg.credit"
    label = "credit"
    verbose_name = "信用分级分类监管"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.panels import Panel, panel_register
        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.credit import handlers, selectors, views
        from crossreg.credit.demo import demo_step

        subject_type_register(
            SubjectType(
                name="credit.model",
                label=_("信用评价模型"),
                visible=selectors.model_version_visible,
                public=selectors.model_version_public,
                url=lambda label: f"/credit/models/{label}/",
                display=lambda label: label,
                url_id=lambda label: label.replace("/", "~"),
                from_url_id=lambda s: s.replace("~", "/"),
            )
        )
        subject_type_register(
            SubjectType(
                name="credit.event",
                label=_("信用事件"),
                visible=selectors.event_visible,
                public=selectors.event_public,
                display=selectors.event_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="credit.grade",
                label=_("信用等级"),
                visible=selectors.grade_visible,
                public=selectors.grade_public,
                url=lambda eid: f"/credit/entities/{eid}/" if eid.isdigit() else None,
            )
        )
        subject_type_register(
            SubjectType(
                name="credit.repair",
                label=_("信用修复"),
                visible=selectors.repair_visible,
                public=selectors.repair_public,
                url=lambda rid: f"/credit/repairs/{rid}/",
            )
        )
        subject_type_register(
            SubjectType(
                name="credit.commitment",
                label=_("信用承诺"),
                visible=lambda principal, cid: principal.is_authenticated,
                public=lambda cid: True,
            )
        )
        handlers.handlers_register()
        panel_register(Panel(host="entity", name="credit", order=150, render=views.entity_panel))
        panel_register(Panel(host="dashboard", name="credit", order=150, render=views.dashboard_panel))
        demo_step_register(DemoStep(name="credit", order=500, run=demo_step))
