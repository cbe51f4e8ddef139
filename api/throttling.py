"""Per-token request throttling: an API token may make API_TOKEN_RATE requests ("600/min").

Counted in the default cache, which is each server process's own memory: with N processes a
token may make up to N times the rate. Sessions, which people drive, are not throttled.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


class APITokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def __init__(self) -> None:
        super().__init__(rate=settings.API_TOKEN_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # The rate is read on each request, so that a changed setting applies at once.
        self.num_requests, self.duration = self.parse_rate(settings.API_TOKEN_RATE)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        api_token = getattr(request, "api_token", None)
        if api_token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_token.public_id}
