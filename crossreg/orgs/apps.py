from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "crossreg.orgs"
    label = "orgs"

    def ready(self) -> None:
        from crossreg.orgs import security  # noqa: F401 - connects the sign-in event receivers
