"""WB API categories, the hosts that serve them, and the base-URL template that reaches a host.

Hosts are short names (`content-api`); a base-URL template turns one into a URL. Production is
`https://{host}.wildberries.ru`; the local emulator serves every host under its own prefix,
e.g. `http://127.0.0.1:8010/{host}`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from wbapi.claims import CATEGORY_NAMES, COMMON_CATEGORY
from wbapi.errors import SandboxUnavailable

DEFAULT_BASE_URL = "https://{host}.wildberries.ru"
HOST_PLACEHOLDER = "{host}"

# API category -> (production host, sandbox host or None).
# WB's October 2026 specs list sandbox hosts for content, prices, marketplace and feedbacks
# only. statistics-api-sandbox and advert-api-sandbox appeared in the December 2025 specs and
# have since disappeared, so they are treated as gone: a test token for those categories is
# refused locally (SandboxUnavailable) instead of being sent to a host that may not exist.
CATEGORY_HOSTS: dict[str, tuple[str, str | None]] = {
    COMMON_CATEGORY: ("common-api", None),
    "content": ("content-api", "content-api-sandbox"),
    "analytics": ("seller-analytics-api", None),
    "prices": ("discounts-prices-api", "discounts-prices-api-sandbox"),
    "marketplace": ("marketplace-api", "marketplace-api-sandbox"),
    "statistics": ("statistics-api", None),
    "promotion": ("advert-api", None),
    "feedbacks": ("feedbacks-api", "feedbacks-api-sandbox"),
    "chat": ("buyer-chat-api", None),
    "supplies": ("supplies-api", None),
    "returns": ("returns-api", None),
    "documents": ("documents-api", None),
    "finance": ("finance-api", None),
    # Seller user management: personal tokens only; its scope bit is not known.
    "users": ("user-management-api", None),
}
# Secondary hosts of a category; they have no /ping of their own.
SECONDARY_HOSTS: dict[str, str] = {
    "dp-calendar-api": "prices",
    "advert-media-api": "promotion",
}

SANDBOX_HOSTS: tuple[str, ...] = tuple(
    sandbox for _, sandbox in CATEGORY_HOSTS.values() if sandbox is not None
)
# Every category's main host, production and sandbox, answers GET /ping.
PING_HOSTS: tuple[str, ...] = (
    *(production for production, _ in CATEGORY_HOSTS.values()),
    *SANDBOX_HOSTS,
)
HOST_CATEGORIES: dict[str, str] = {
    **{host: category for category, hosts in CATEGORY_HOSTS.items() for host in hosts if host},
    **SECONDARY_HOSTS,
}


def host_for(category: str, *, sandbox: bool) -> str:
    """The host serving a category: its sandbox host for test tokens, else production."""
    if category not in CATEGORY_HOSTS:
        if category in CATEGORY_NAMES:
            raise ValueError(f"WB no longer has an API host for category {category!r}")
        raise ValueError(f"Unknown WB API category: {category!r}")
    production, sandbox_host = CATEGORY_HOSTS[category]
    if not sandbox:
        return production
    if sandbox_host is None:
        raise SandboxUnavailable((category,))
    return sandbox_host


def is_sandbox_host(host: str) -> bool:
    return host in SANDBOX_HOSTS


def build_url(base_url: str, host: str, path: str) -> str:
    """The URL of `path` on `host` under a base-URL template."""
    return base_url.replace(HOST_PLACEHOLDER, host).rstrip("/") + "/" + path.lstrip("/")


def is_production_base_url(base_url: str) -> bool:
    """True only for WB's own https template, `https://{host}.wildberries.ru`."""
    parts = urlsplit(base_url.strip())
    return (
        parts.scheme == "https"
        and parts.netloc.lower() == "{host}.wildberries.ru"
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )


def validate_base_url(base_url: str) -> None:
    """Raise ValueError, saying what is wrong, unless `base_url` is a usable template."""
    if base_url.count(HOST_PLACEHOLDER) != 1:
        raise ValueError("The WB base URL must contain {host} exactly once.")
    sample = base_url.replace(HOST_PLACEHOLDER, "common-api")
    if "{" in sample or "}" in sample:
        raise ValueError("The WB base URL may contain no placeholder other than {host}.")
    parts = urlsplit(sample)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The WB base URL must be an http:// or https:// URL with a host name.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The WB base URL must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError("The WB base URL must not have a query string or fragment.")


def first_sandbox_host(categories: tuple[str, ...]) -> str:
    """The sandbox host of the first of `categories` (in scope-bit order) that has one."""
    for category in categories:
        sandbox_host = CATEGORY_HOSTS.get(category, (None, None))[1]
        if sandbox_host is not None:
            return sandbox_host
    raise SandboxUnavailable(categories)
