from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WberpConfig(AppConfig):
    name = "wberp"
    verbose_name = _("wberp")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import auth_log, checks  # noqa: F401 - checks registers the system checks
        from .admin import register_list_filters
        from .sqlite import install_unicode_like

        auth_log.connect()
        register_list_filters()
        connection_created.connect(install_unicode_like, dispatch_uid="wberp.sqlite.like")
