"""Read-only admin views: every catalog write goes through the services (history + ledger)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from crossreg.catalog.models import (
    ChangeRequest,
    CrossDepartmentItem,
    ItemVersion,
    PowerItem,
    SupervisionItem,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(PowerItem)
class PowerItemAdmin(ReadOnly):
    list_display = ("code", "name", "kind", "department", "status")
    list_filter = ("kind", "status")
    search_fields = ("code", "name")


@admin.register(SupervisionItem)
class SupervisionItemAdmin(ReadOnly):
    list_display = ("code", "department", "published")
    search_fields = ("code",)


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnly):
    list_display = ("item", "number", "name", "status", "revision", "state_entered_at")
    list_filter = ("status",)
    search_fields = ("item__code", "name")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnly):
    list_display = ("item", "department", "reason_kind", "status", "created_at")
    list_filter = ("status", "reason_kind")


@admin.register(CrossDepartmentItem)
class CrossDepartmentItemAdmin(ReadOnly):
    list_display = ("code", "name", "lead_department", "campaign")
