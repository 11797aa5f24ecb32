from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "crossreg.clues"
    label = "clues"
    verbose_name = "线索与非现场监管"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crossreg.clues import selectors
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.events import domain_event_subscribe
        from crossreg.core.panels import Panel, panel_register
        from crossreg.core.subjects import SubjectType, subject_type_register

        subject_type_register(
            SubjectType(
                name="clue_bundle",
                label=_("线索归并"),
                visible=selectors.bundle_subject_visible,
                url=selectors.bundle_subject_url,
                display=selectors.bundle_subject_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="clue",
                label=_("线索"),
                visible=selectors.clue_subject_visible,
                url=selectors.clue_subject_url,
                display=selectors.clue_subject_display,
            )
        )
        subject_type_register(
            SubjectType(name="clue_device", label=_("监测设备"), visible=selectors.signed_in_visible)
        )
        subject_type_register(
            SubjectType(
                name="clue_rule",
                label=_("预警规则"),
                visible=selectors.signed_in_visible,
                public=selectors._published_rule,
            )
        )

        from crossreg.clues.demo_step import demo_step
        from crossreg.clues.views import entity_panel

        demo_step_register(DemoStep(name="clues", order=600, run=demo_step))
        panel_register(Panel(host="entity", name="clues", order=300, render=entity_panel))

        from crossreg.clues.outcomes import on_task_published

        domain_event_subscribe("inspection.task.published", on_task_published)
