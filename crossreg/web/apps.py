from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "crossreg.web"
    label = "web"

    def ready(self) -> None:
        from crossreg.core.panels import Panel, panel_register
        from crossreg.web.chart_views import dashboard_panel

        # The leaders' charts on the dashboard (docs/dashboards.md), first among the panels.
        panel_register(Panel(host="dashboard", name="charts", order=50, render=dashboard_panel))
