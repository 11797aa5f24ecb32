from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "crossreg.orgs"
    label = "orgs"
