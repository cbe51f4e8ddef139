from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from gateway.signals import wb_request_done
        from wbapi.transport import RequestRecord

        from .wbrequests import tally_wb_request

        wb_request_done.connect(tally_wb_request, sender=RequestRecord, dispatch_uid="tally")
