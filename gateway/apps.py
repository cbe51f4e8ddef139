from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = _("WB gateway")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
