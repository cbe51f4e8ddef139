from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Sync with WB")

    def ready(self) -> None:
        from jobs.tick import register_tick_step

        from .engine import streams_claim_due, streams_wake_blocked, tasks_mark_lost

        register_tick_step("sync.wake_blocked", streams_wake_blocked)
        register_tick_step("sync.claim_due", streams_claim_due)
        register_tick_step("sync.mark_lost_tasks", tasks_mark_lost)
        # Every app's datasets module, where its datasets are registered.
        autodiscover_modules("datasets")
