from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "crossreg.outbox"
    label = "outbox"
    verbose_name = "事件外发箱"

    def ready(self) -> None:
        from crossreg.core.events import domain_event_sink_register
        from crossreg.outbox import senders
        from crossreg.outbox.services import outbox_sink

        domain_event_sink_register(outbox_sink)
        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.outbox import selectors

        subject_type_register(
            SubjectType(
                name="outbox_target",
                label=_("外发目标"),
                visible=selectors.target_subject_visible,
                url=selectors.target_subject_url,
                display=selectors.target_subject_display,
            )
        )
        senders.sender_register(senders.WebhookSender())
