from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "crossreg.entities"
    label = "entities"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.entities import selectors

        subject_type_register(
            SubjectType(
                name="entity",
                label=_("市场主体"),
                visible=selectors.entity_subject_visible,
                url=selectors.entity_subject_url,
                display=selectors.entity_subject_display,
            )
        )
