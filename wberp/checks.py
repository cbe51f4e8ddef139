"""System checks of the project's own settings."""

import os

from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security)
def check_no_replaced_proxy_setting(app_configs=None, **kwargs) -> list[CheckMessage]:
    """AXES_IP_HEADERS believed whatever a client wrote into X-Forwarded-For; ignoring it
    silently would leave a deployment behind a proxy with lockouts per proxy address."""
    if "AXES_IP_HEADERS" not in os.environ:
        return []
    return [
        Error(
            "AXES_IP_HEADERS is no longer read.",
            hint="Behind a reverse proxy set TRUSTED_PROXY_COUNT to the number of proxies "
            "(usually 1) and remove AXES_IP_HEADERS.",
            id="wberp.E001",
        )
    ]
