from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "crossreg.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    def ready(self) -> None:
        from crossreg.complaints import selectors, services
        from crossreg.complaints.demo import demo_step
        from crossreg.complaints.views import dashboard_panel, entity_panel
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.events import domain_event_subscribe
        from crossreg.core.panels import Panel, panel_register
        from crossreg.core.subjects import SubjectType, subject_type_register

        subject_type_register(
            SubjectType(
                name="complaint",
                label=_("投诉举报"),
                visible=selectors.submission_subject_visible,
                url=selectors.submission_subject_url,
                display=selectors.submission_subject_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="report_reward",
                label=_("举报奖励"),
                visible=selectors.reward_subject_visible,
                url=selectors.reward_subject_url,
                display=selectors.reward_subject_display,
            )
        )
        subject_type_register(
            SubjectType(
                name="complaint_routing",
                label=_("投诉举报分办规则"),
                visible=selectors.ruleset_subject_visible,
            )
        )
        domain_event_subscribe("case.decision.made", services.on_case_decision)
        demo_step_register(DemoStep(name="complaints", order=700, run=demo_step))
        panel_register(Panel(host="entity", name="complaints", order=400, render=entity_panel))
        panel_register(Panel(host="dashboard", name="complaints", order=400, render=dashboard_panel))
