from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("WB tokens")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
