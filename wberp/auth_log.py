"""Security log of logins, logouts and failed logins: who, from where, outcome.

Never the password: Django already strips it from the credentials it sends
with `user_login_failed`, and only the username is read here.
"""

import logging

from django.contrib.auth import signals
from django.http import HttpRequest

from . import client_ip as addresses

logger = logging.getLogger("wberp.security")


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as the login lockout sees it (see TRUSTED_PROXY_COUNT)."""
    if request is None:
        return "-"
    return addresses.client_ip(request) or "-"


def on_login(sender, request: HttpRequest, user, **kwargs) -> None:
    logger.info(
        "login succeeded user=%s ip=%s",
        user.get_username(),
        client_ip(request),
        extra={"event": "login", "outcome": "success"},
    )


def on_logout(sender, request: HttpRequest, user, **kwargs) -> None:
    username = user.get_username() if user is not None else "-"
    logger.info(
        "logout user=%s ip=%s",
        username,
        client_ip(request),
        extra={"event": "logout", "outcome": "success"},
    )


def on_login_failed(
    sender, credentials: dict, request: HttpRequest | None = None, **kwargs
) -> None:
    # The password change page checks the old password as a login does (see wberp.forms).
    match = getattr(request, "resolver_match", None)
    event = "password_change" if match and match.url_name == "password_change" else "login"
    logger.warning(
        "%s failed user=%s ip=%s",
        event.replace("_", " "),
        credentials.get("username", "-"),
        client_ip(request),
        extra={"event": event, "outcome": "failure"},
    )


def connect() -> None:
    signals.user_logged_in.connect(on_login, dispatch_uid="wberp.auth_log.login")
    signals.user_logged_out.connect(on_logout, dispatch_uid="wberp.auth_log.logout")
    signals.user_login_failed.connect(on_login_failed, dispatch_uid="wberp.auth_log.failed")
