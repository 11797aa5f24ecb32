from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "crossreg.web"
    label = "web"
