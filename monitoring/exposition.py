"""GET /metrics: every metric in Prometheus's text format, for a scraper that may see them.

Answered by a middleware near the top of the stack, as the health probes are: Prometheus asks
by the service's internal name over plain HTTP, which ALLOWED_HOSTS and the HTTPS redirect
would otherwise refuse. It is never public: with neither METRICS_TOKEN nor METRICS_ALLOWED_IPS
set it does not exist (404); otherwise a request needs the bearer token or an allowed address.
"""

import hmac
import ipaddress
import os
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

# The classic text format, which every Prometheus version reads.
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from wberp.client_ip import client_ip

from .collector import DatabaseCollector

Handler = Callable[[HttpRequest], HttpResponse]
METRICS_PATH = "/metrics"


def scrape_allowed(request: HttpRequest) -> bool | None:
    """True if allowed, False if refused, None if the endpoint is switched off."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS
    if not token and not networks:
        return None
    if token and hmac.compare_digest(
        request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()
    ):
        return True
    return address_in(client_ip(request), networks)


def address_in(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def process_metrics() -> bytes:
    """This machine's in-memory metrics: every worker's, in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def database_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def metrics_response(request: HttpRequest) -> HttpResponse:
    allowed = scrape_allowed(request)
    if allowed is None or (not allowed and not settings.METRICS_TOKEN):
        return HttpResponse(status=404)  # nothing says an endpoint exists here
    if not allowed:
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(
        database_metrics() + process_metrics(), content_type=CONTENT_TYPE_PLAIN_0_0_4
    )
    response["Cache-Control"] = "no-store"
    return response


class MetricsEndpointMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == METRICS_PATH and request.method in ("GET", "HEAD"):
            response = metrics_response(request)
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)
