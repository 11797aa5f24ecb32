from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from crossreg.core.text import text_problem
from crossreg.entities.models import Entity, Industry
from crossreg.orgs.admin import AuditedAdmin


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "section", "name")
    list_filter = ("section",)
    search_fields = ("code", "name")


class EntityAdminForm(forms.ModelForm[Entity]):
    """Names, addresses and the legal representative are refused with markup (core.text), as in the
    API and the list imports: the values flow on into exports and other systems."""

    class Meta:
        model = Entity
        fields = ("name", "address", "legal_rep")  # the admin adds the rest of its fieldsets

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("name", "address", "legal_rep"):
            label = str(getattr(Entity._meta.get_field(name), "verbose_name", name))
            problem = text_problem(data.get(name) or "", field=label)
            if problem is not None:
                self.add_error(name, problem.message)
        return data


@admin.register(Entity)
class EntityAdmin(AuditedAdmin):
    """Browsing and correcting in the admin; writes from the platform go through entities.services.

    Every save is a ledger entry (``AuditedAdmin``). ``credit_class`` is read-only here: it sets
    the sampling strata an entity is drawn in, and comes from the credit app's grades."""

    form = EntityAdminForm
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
