from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "crossreg.entities"
    label = "entities"
