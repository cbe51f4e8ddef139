"""Per-token request throttling: an API token may make API_TOKEN_RATE requests ("600/min").

The requests are counted in the database (api.services.api_token_count_request), so every
server process and every machine shares one budget per token. Sessions, which people drive,
are not throttled.
"""

import math
from datetime import timedelta

from django.conf import settings
from ninja.errors import Throttled
from ninja.throttling import SimpleRateThrottle

from .models import APIToken
from .services import api_token_count_request


def token_rate() -> tuple[int, timedelta]:
    """API_TOKEN_RATE as (requests, period), read on each call so that a change applies at once."""
    rate = SimpleRateThrottle(settings.API_TOKEN_RATE)  # django-ninja's reading of "N/period"
    return rate.num_requests, timedelta(seconds=rate.duration)


def throttle(api_token: APIToken) -> None:
    """Count this request of `api_token`; past its budget, a 429 with Retry-After."""
    limit, period = token_rate()
    wait = api_token_count_request(api_token, limit=limit, period=period)
    if wait is not None:
        raise Throttled(wait=max(1, math.ceil(wait.total_seconds())))
