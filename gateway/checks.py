"""System checks: the WB address must be right before start-up.

A malformed address is always an Error; anything but WB's own https address is an Error with
DEBUG off (the emulator is for development), and WB_RATE_SPEED is for development only.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from wbapi.hosts import is_production_base_url, validate_base_url


@register(Tags.security)
def check_wb_base_url(app_configs=None, **kwargs) -> list[CheckMessage]:
    base_url = settings.WB_API_BASE_URL
    try:
        validate_base_url(base_url)
    except ValueError as exc:
        return [Error(f"WB_API_BASE_URL is not usable: {exc}", id="gateway.E001")]
    if not settings.DEBUG and not is_production_base_url(base_url):
        if settings.WB_API_LOCAL_EMULATOR and is_loopback(base_url):
            return [
                Warning(
                    "WB calls go to the local WB emulator (WB_API_LOCAL_EMULATOR).",
                    hint="For benchmarks only; never in production.",
                    id="gateway.W003",
                )
            ]
        return [
            Error(
                "WB_API_BASE_URL must be https://{host}.wildberries.ru when DEBUG is off.",
                hint="Point at the local emulator only in development.",
                id="gateway.E002",
            )
        ]
    return []


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url.replace("{host}", "common-api")).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
