"""The rate budget is shared: concurrent checkers of one seller, each with its own database
connection, together keep within WB's limit."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from tokens.models import WBToken
from tokens.services import token_check

CHECKERS = 4
CHECKS_EACH = 6


@pytest.mark.django_db(transaction=True)  # each thread commits on a connection of its own
def test_four_concurrent_checkers_of_one_seller_earn_no_429(make_token, wb, superuser):
    token = make_token(categories="content", seller_name="ООО Общий лимит")
    sid = token.seller.sid
    before = wb.request_count(host="content-api", path="/ping")
    errors: list[BaseException] = []

    def checker() -> None:
        try:
            for _ in range(CHECKS_EACH):
                mine = WBToken.objects.select_related("seller").get(pk=token.pk)
                token_check(token=mine, by=superuser, max_wait=30)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=checker) for _ in range(CHECKERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    took = time.monotonic() - started

    assert errors == []
    pings = [e for e in wb.request_log if e.sid == sid and e.path == "/ping"]
    assert len(pings) - before == CHECKERS * CHECKS_EACH
    assert [e for e in wb.request_log if e.sid == sid and e.status == 429] == []
    # WB's own bucket (the emulator enforces it) was the limit: three pings back to back, then
    # one per interval. At least that long passed; nothing was refused.
    interval = 30 / 3 / settings.WB_RATE_SPEED
    assert took >= (CHECKERS * CHECKS_EACH - 3) * interval
    token.refresh_from_db()
    assert token.check_count == 1 + CHECKERS * CHECKS_EACH
    assert token.status == WBToken.Status.VALID
