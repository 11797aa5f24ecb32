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
        senders.sender_register(senders.WebhookSender())
