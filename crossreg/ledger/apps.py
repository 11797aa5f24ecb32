from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "crossreg.ledger"
    label = "ledger"
