from django.contrib import admin

from crossreg.jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "title",
        "state",
        "started_by",
        "progress_done",
        "progress_total",
        "created_at",
    )
    list_filter = ("state", "kind")
    search_fields = ("kind", "title", "task_id")
    readonly_fields = [f.name for f in JobRun._meta.fields]
