from django.contrib import admin

from crossreg.notices.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "verb", "recipient", "department", "created_at", "read_at")
    list_filter = ("verb",)
