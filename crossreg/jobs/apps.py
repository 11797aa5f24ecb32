from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "crossreg.jobs"
    verbose_name = "background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.jobs import selectors
        from crossreg.jobs.schedule import Scheduled, schedule_register

        # Settings may change the interval: CROSSREG["SCHEDULE"]["ledger.checkpoint"]["every"].
        schedule_register(
            Scheduled("ledger.checkpoint", "crossreg.jobs.tasks.ledger_checkpoint_task", every=600)
        )
        # The full verification re-reads every entry (about 25 s at 1,000,000): hourly.
        schedule_register(Scheduled("ledger.verify", "crossreg.jobs.tasks.ledger_verify_task", every=3600))

        subject_type_register(
            SubjectType(
                name="job",
                label=_("后台任务"),
                visible=selectors.job_subject_visible,
                url=selectors.job_subject_url,
                display=selectors.job_subject_display,
            )
        )
