from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from jobs.tick import register_tick_step

        from .services import exports_mark_lost

        register_tick_step("exports.mark_lost", exports_mark_lost)
