from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "crossreg.catalog"
    verbose_name = "catalog"
