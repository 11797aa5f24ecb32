from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "crossreg.ledger"
    label = "ledger"

    def ready(self) -> None:
        from crossreg.core.audit import audit_writer_register
        from crossreg.ledger.services import ledger_append

        audit_writer_register(ledger_append)

        from crossreg.core.observability import metrics_collector_register
        from crossreg.ledger.metrics import LedgerCollector

        metrics_collector_register(LedgerCollector())
