"""Every fault WB can throw ends in the ground truth once it clears, and the run says what
happened: throttled, errors, the last error's code."""

import pytest

from catalog.tests.truth import stored, truth
from sync.models import SyncRun, SyncStream
from sync.testing import run_sync

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = "/content/v2/get/cards/list"

FAULTS = {
    "429 short": ({"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "1"}}, 429),
    "429 long": ({"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "3"}}, 429),
    "500": ({"kind": "status", "status": 500}, "wb_unavailable"),
    "503": ({"kind": "status", "status": 503}, "wb_unavailable"),
    "timeout": ({"kind": "latency", "delay": 4}, "wb_unavailable"),
    "slow drip": ({"kind": "drip", "delay": 0.5}, "wb_unavailable"),
    "reset": ({"kind": "reset"}, "wb_unavailable"),
    "malformed JSON": ({"kind": "malformed_json"}, "protocol_error"),
    "HTML": ({"kind": "html"}, "protocol_error"),
    "cut mid-stream": ({"kind": "truncate"}, "wb_unavailable"),
}


@pytest.mark.parametrize("name", FAULTS)
def test_a_fault_on_the_second_page_ends_in_the_ground_truth(name, catalogue_seller, wb, settings):
    # Bounds that a slow answer crosses, and that a loaded machine does not.
    settings.WB_API_DATA_READ_TIMEOUT = 2.0
    settings.WB_API_DATA_DEADLINE = 3.0
    fault, expected = FAULTS[name]
    seller = catalogue_seller(products=250, categories="content")
    wb.set_fault(path=CARDS, times=2, **fault)
    run_sync(timeout=30)
    assert stored(seller)["cards"] == truth(wb, seller)["cards"]
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    assert stream.state == SyncStream.State.IDLE and stream.error_code == ""
    run = SyncRun.objects.get(stream=stream)
    assert run.outcome == SyncRun.Outcome.SUCCEEDED and run.pages == 3
    if expected == 429:
        assert run.throttled == 2 and run.errors == 0
    else:
        assert run.errors == 2 and run.error_code == expected and run.throttled == 0
    assert run.requests == wb.request_count(path=CARDS)
