from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("WB tokens")

    def ready(self) -> None:
        from jobs.tick import register_tick_step

        from . import checks  # noqa: F401 - registers the system checks
        from .batches import check_batches_resume

        register_tick_step("tokens.resume_check_batches", check_batches_resume)
