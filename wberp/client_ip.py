"""The client's address, for login lockouts and the security log.

Without a proxy it is the socket's address. Behind TRUSTED_PROXY_COUNT reverse proxies, each
of which appends the address it received the request from to X-Forwarded-For, it is the entry
the outermost of them added: that many entries from the right. Entries further left came from
the client, who can write anything there, and are never read.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    socket_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies < 1:
        return socket_address
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:  # it did not come through every proxy (a probe from inside)
        return socket_address
    added_by_outermost = forwarded[-proxies]
    return added_by_outermost if is_address(added_by_outermost) else socket_address


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
