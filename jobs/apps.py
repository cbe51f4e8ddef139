from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from . import receivers
        from .services import jobs_enqueue_due
        from .tick import register_tick_step

        receivers.connect()
        register_tick_step("jobs.enqueue_due", jobs_enqueue_due)
        # Every app's tasks module, where its periodic jobs are declared.
        autodiscover_modules("tasks")
