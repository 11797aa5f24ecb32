from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "crossreg.exchange"
    label = "exchange"
    verbose_name = "数据共享与系统互联"

    def ready(self) -> None:
        from crossreg.core.demo import DemoStep, demo_step_register
        from crossreg.core.panels import Panel, panel_register
        from crossreg.exchange import event_schemas, selectors
        from crossreg.exchange.adapters import registry
        from crossreg.exchange.demo_step import demo_step
        from crossreg.exchange.views import dashboard_panel
        from crossreg.outbox.services import scope_resolver_register

        registry.register()
        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register

        for name, label in (
            ("exchange_mapping", _("编码映射")),
            ("exchange_inbound", _("接收批次")),
            ("exchange_backfill", _("历史数据补发")),
        ):
            subject_type_register(
                SubjectType(name=name, label=label, visible=selectors.admin_subject_visible)
            )
        event_schemas.register()
        scope_resolver_register("listed", selectors.entities_on_lists)
        demo_step_register(DemoStep(name="exchange", order=800, run=demo_step))
        panel_register(Panel(host="dashboard", name="exchange", order=800, render=dashboard_panel))
