from __future__ import annotations

from django.contrib import admin

from crossreg.entities.models import Entity, Industry
from crossreg.orgs.admin import AuditedAdmin


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "section", "name")
    list_filter = ("section",)
    search_fields = ("code", "name")


@admin.register(Entity)
class EntityAdmin(AuditedAdmin):
    """Browsing and correcting in the admin; writes from the platform go through entities.services.

    Every save is a ledger entry (``AuditedAdmin``). ``credit_class`` is read-only here: it sets
    the sampling strata an entity is drawn in, and comes from the credit app's grades."""

    list_display = ("name", "uscc", "entity_type", "division", "industry", "status", "credit_class")
    list_filter = (
        "entity_type",
        "status",
        "credit_class",
        "uscc_orgcode_warning",
        "division",
        "industry__section",
    )
    search_fields = ("=uscc", "=registration_no", "name", "name_norm", "trade_name")
    list_select_related = ("division", "industry")
    autocomplete_fields = ("industry",)
    filter_horizontal = ("key_domains",)
    readonly_fields = (
        "credit_class",
        "name_norm",
        "name_region",
        "trade_name",
        "industry_words",
        "org_form",
        "branch",
        "uscc_orgcode_warning",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("division",)
    show_full_result_count = False
