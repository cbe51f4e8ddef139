"""The app's own HTTP metrics, counted in the process that serves each request.

Requests are many and web-only, so they are counted in memory rather than in the database.
With several gunicorn workers prometheus-client's multiprocess mode adds them up: each worker
writes its values to files in PROMETHEUS_MULTIPROC_DIR, which wberp.gunicorn creates empty when
the server starts, and the worker answering a scrape reads them all (see exposition.py).
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

Handler = Callable[[HttpRequest], HttpResponse]

# Anything else is counted as "other", so that a client cannot create series at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "wberp_http_requests",
    "HTTP requests answered, by method, view and status.",
    ["method", "view", "status"],
)
HTTP_DURATION = Histogram(
    "wberp_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and view.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name (never the path, which holds ids); "unmatched" for a 404."""
    match = getattr(request, "resolver_match", None)
    return (match.view_name or "unnamed") if match is not None else "unmatched"


class HttpMetricsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        view = view_label(request)
        HTTP_DURATION.labels(method, view).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method, view, str(response.status_code)).inc()
        return response
