"""The generic call: a declarative method spec, GET and POST, pages and their files."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from responses import matchers

from wbapi.client import RequestRecord
from wbapi.errors import PagingStuck, WBUnavailable
from wbapi.methods.base import MethodSpec, Params
from wbapi.methods.common import SELLER_INFO, SellerInfo
from wbapi.methods.content import CARDS, CardsCursor
from wbapi.methods.statistics import ORDERS, ChangesCursor, ChangesPager
from wbapi.streaming import Layout, Rows
from wbapi.tests.test_streaming import ROW
from wbapi.tests.wb_examples import CARDS_ANSWER, ORDER

CARDS_URL = "https://content-api.wildberries.ru/content/v2/get/cards/list"
ORDERS_URL = "https://statistics-api.wildberries.ru/api/v1/supplier/orders"


def spec(**options) -> MethodSpec:
    values = {
        "name": "test",
        "verb": "GET",
        "category": "content",
        "path": "/things/{id}",
        "limit_group": "content",
        "max_body_bytes": 1024,
        "parse": lambda answer: Rows(answer, Layout(rows_at=""), ROW),
    }
    return MethodSpec(**{**values, **options})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"verb": "DELETE"}, "verb"),
        ({"category": "weather"}, "Unknown WB API category: 'weather'"),
        ({"category": "recommendations"}, "no longer has an API host"),
        ({"limit_group": "nope"}, "limit group"),
        ({"max_body_bytes": 0}, "cap"),
    ],
)
def test_a_spec_that_names_nothing_real_is_refused(options, message):
    with pytest.raises(ValueError, match=message):
        spec(**options)


def test_path_parameters_must_be_exactly_those_the_path_names():
    with pytest.raises(ValueError, match=r"\['id'\], not \[\]"):
        spec().path_for({})
    with pytest.raises(ValueError, match="not"):
        spec().path_for({"id": 1, "other": 2})
    assert spec().path_for({"id": "a b/c"}) == "/things/a%20b%2Fc"


def test_a_get_sends_its_query(wb_mock, mock_client):
    wb_mock.get(
        "https://content-api.wildberries.ru/things/7",
        json=[{"id": 1}],
        match=[matchers.query_param_matcher({"limit": "5", "from": "2026-03-01T15:00:00"})],
    )

    rows = mock_client().call(
        spec(), Params(path={"id": 7}, query={"limit": 5, "from": "2026-03-01T15:00:00"})
    )

    assert [row.id for row in rows] == [1]
    rows.close()


def test_a_post_is_recorded_and_logged_as_a_post(wb_mock, mock_client, caplog):
    caplog.set_level(logging.INFO, logger="wbapi.client")
    wb_mock.post(CARDS_URL, json=CARDS_ANSWER)
    records: list[RequestRecord] = []

    mock_client(on_request=records.append).page(CARDS, CardsCursor()).close()

    (record,) = records
    assert (record.method, record.host, record.path, record.status, record.error) == (
        "POST",
        "content-api",
        "/content/v2/get/cards/list",
        200,
        None,
    )
    assert caplog.records[0].args[:4] == ("POST", "content-api", "/content/v2/get/cards/list", 200)


def test_an_idempotent_post_is_retried_after_a_transient_failure(wb_mock, mock_client, fake_sleep):
    wb_mock.post(CARDS_URL, status=503)
    wb_mock.post(CARDS_URL, json=CARDS_ANSWER)

    with mock_client().page(CARDS, CardsCursor()) as page:
        assert page.count == 1

    assert len(wb_mock.calls) == 2
    assert len(fake_sleep.calls) == 1


def test_a_method_that_is_not_idempotent_is_never_retried(wb_mock, mock_client, fake_sleep):
    wb_mock.post("https://content-api.wildberries.ru/things/1", status=503)
    write = spec(verb="POST", idempotent=False)

    with pytest.raises(WBUnavailable):
        mock_client(retries=5).call(write, Params(path={"id": 1}, body={"x": 1}))

    assert len(wb_mock.calls) == 1
    assert fake_sleep.calls == []


def test_an_answer_that_fails_to_parse_is_recorded_with_its_error(wb_mock, mock_client):
    wb_mock.get("https://common-api.wildberries.ru/api/v1/seller-info", json={"name": "No sid"})
    records: list[RequestRecord] = []

    with pytest.raises(Exception, match="'sid' is missing"):
        mock_client(on_request=records.append).call(SELLER_INFO)

    assert [(r.status, r.error) for r in records] == [(200, "protocol_error")]


def test_seller_info_through_the_generic_call(wb_mock, mock_client):
    wb_mock.get(
        "https://common-api.wildberries.ru/api/v1/seller-info",
        json={"name": "ИП Кружинин В. Р.", "sid": "e8923014-e233-47q8-898e-3cc86d67ab4d"},
    )

    assert mock_client().call(SELLER_INFO) == SellerInfo(
        "ИП Кружинин В. Р.", "e8923014-e233-47q8-898e-3cc86d67ab4d", "", "", ""
    )


def test_a_page_holds_its_file_until_closed(wb_mock, mock_client):
    wb_mock.post(CARDS_URL, json=CARDS_ANSWER)

    with mock_client().page(CARDS, CardsCursor()) as page:
        file = page.rows.answer.file
        assert not file.closed

    assert file.closed


class RememberingPager(ChangesPager):
    """Orders paging that keeps the last rows it turned, to look at their file afterwards."""

    def turn(self, cursor, rows):
        self.rows = rows
        return super().turn(cursor, rows)


def test_a_page_that_cannot_be_paged_past_closes_its_file(wb_mock, mock_client):
    rows = [{**ORDER, "srid": f"s{n}", "lastChangeDate": "2026-03-01T12:00:10"} for n in range(3)]
    wb_mock.get(ORDERS_URL, json=rows)
    pager = RememberingPager(ORDERS.spec, page_rows=3)

    with pytest.raises(PagingStuck):
        mock_client().page(pager, ChangesCursor(datetime(2026, 3, 1, 9, 0, 9, tzinfo=UTC)))

    assert pager.rows.answer.file.closed


def test_pages_close_each_page_before_fetching_the_next(wb_mock, mock_client):
    first = [
        {**ORDER, "srid": "a", "lastChangeDate": "2026-03-01T12:00:10"},
        {**ORDER, "srid": "b", "lastChangeDate": "2026-03-01T12:00:20"},
    ]
    wb_mock.get(ORDERS_URL, json=first)
    wb_mock.get(ORDERS_URL, json=[])
    pager = ChangesPager(ORDERS.spec, page_rows=2)
    files = []

    for page in mock_client().pages(pager, ChangesCursor(datetime(2026, 3, 1, tzinfo=UTC))):
        files.append(page.rows.answer.file)
        assert all(file.closed for file in files[:-1])
        assert not files[-1].closed

    assert len(files) == 2
    assert all(file.closed for file in files)
