from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WberpConfig(AppConfig):
    name = "wberp"
    verbose_name = _("wberp")

    def ready(self) -> None:
        from . import auth_log

        auth_log.connect()
