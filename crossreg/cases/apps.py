from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "crossreg.cases"
    label = "cases"
    verbose_name = "执法案件"

    def ready(self) -> None:
        from crossreg.cases import demo_step, selectors, tasks, views
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.events import domain_event_subscribe
        from crossreg.core.panels import Panel, panel_register
        from crossreg.core.subjects import SubjectType, subject_type_register

        subject_type_register(
            SubjectType(
                name="case",
                label=_("案件"),
                visible=selectors.case_subject_visible,
                public=selectors.case_subject_public,
                url=selectors.case_subject_url,
                display=selectors.case_subject_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="case.document",
                label=_("执法文书"),
                visible=selectors.document_subject_visible,
                public=selectors.document_subject_public,
                url=selectors.document_subject_url,
                display=selectors.document_subject_display,
            )
        )
        subject_type_register(
            SubjectType(name="case.source", label=_("案件来源"), visible=selectors.source_subject_visible)
        )
        subject_type_register(
            SubjectType(
                name="case.benchmark",
                label=_("裁量基准"),
                visible=selectors.benchmark_subject_visible,
                public=selectors.benchmark_subject_public,
            )
        )
        panel_register(Panel(host="entity", name="cases", order=100, render=views.entity_panel))
        panel_register(Panel(host="task", name="cases", order=100, render=views.task_panel))
        demo_step_register(DemoStep(name="cases", order=400, run=demo_step.demo_step))
        domain_event_subscribe("inspection.task.published", tasks.on_task_event)
        domain_event_subscribe("inspection.task.submitted", tasks.on_task_event)
