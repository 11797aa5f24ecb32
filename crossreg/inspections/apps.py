from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "crossreg.inspections"
    label = "inspections"
    verbose_name = "检查任务"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.subjects import SubjectType, subject_grant_register, subject_type_register
        from crossreg.inspections import selectors
        from crossreg.inspections.demo_step import demo_step

        # after sampling's step (300), which draws the officers onto the demo tasks
        demo_step_register(DemoStep(name="inspection officers", order=350, run=demo_step))

        subject_type_register(
            SubjectType(
                name="inspection.task",
                label=_("检查任务"),
                visible=selectors.task_subject_visible,
                url=selectors.task_subject_url,
                display=selectors.task_subject_display,
            )
        )
        subject_grant_register("entity", selectors.entity_subject_grant)
