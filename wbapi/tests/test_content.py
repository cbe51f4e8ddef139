"""Cards list: the request, WB's example card as a record, and the cursor recipe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from wbapi.errors import PagingStuck, SchemaDrift
from wbapi.methods.content import (
    CARDS,
    AnswerCursor,
    CardsCursor,
    Dimensions,
    cards_body,
    cards_turn,
)
from wbapi.tests.helpers import make_token, wb_payload
from wbapi.tests.wb_examples import CARD, CARDS_ANSWER, fresh

URL = "https://content-api.wildberries.ru/content/v2/get/cards/list"


def test_the_first_page_asks_for_100_cards_of_every_kind_oldest_change_first():
    assert cards_body(CardsCursor()) == {
        "settings": {
            "sort": {"ascending": True},
            "filter": {"withPhoto": -1},
            "cursor": {"limit": 100},
        }
    }


def test_a_next_page_sends_wbs_cursor_back_unchanged():
    cursor = CardsCursor(updated_at="2023-12-06T11:17:00.96577Z", nm_id=123654123)

    assert cards_body(cursor)["settings"]["cursor"] == {
        "limit": 100,
        "updatedAt": "2023-12-06T11:17:00.96577Z",
        "nmID": 123654123,
    }


@pytest.mark.parametrize(
    "options", [{"limit": 101}, {"limit": 0}, {"updated_at": "2023-12-06T11:17:00Z"}, {"nm_id": 1}]
)
def test_a_cursor_wb_would_refuse_is_refused_here(options):
    with pytest.raises(ValueError):
        CardsCursor(**options)


def test_wbs_example_card_becomes_a_typed_record(wb_mock, mock_client):
    wb_mock.post(URL, json=CARDS_ANSWER)

    with mock_client().page(CARDS, CardsCursor()) as page:
        (card,) = list(page)

    assert (card.nm_id, card.imt_id, card.nm_uuid) == (
        12345678,
        123654789,
        "01bda0b1-5c0b-736c-b2be-d0a6543e9be",
    )
    assert (card.subject_id, card.subject_name, card.vendor_code, card.brand) == (
        7771,
        "AKF системы",
        "wb7f6mumjr1",
        "Тест",
    )
    assert (card.title, card.description) == ("Тест-система", "Тестовое описание")
    assert card.photos[0].big == CARD["photos"][0]["big"]
    assert card.photos[0].tm.endswith("/images/tm/1.webp")
    assert card.video.endswith("/index.m3u8")
    assert card.dimensions == Dimensions(55, 40, 15, Decimal("6.24"), False, {})
    (size,) = card.sizes
    assert (size.chrt_id, size.tech_size, size.wb_size, size.skus) == (
        316399238,
        "0",
        None,
        ("987456321654",),
    )
    assert card.created_at == card.updated_at == datetime(2023, 12, 6, 11, 17, 0, 965770, UTC)
    assert set(card.extra) == {"needKiz", "wholesale", "characteristics", "tags"}
    assert card.extra["characteristics"][0]["value"] == ["красно-сиреневый"]
    assert json.loads(wb_mock.calls[0].request.body) == cards_body(CardsCursor())


def test_the_page_goes_on_from_the_answers_cursor_while_pages_are_full():
    answer = AnswerCursor("2023-12-06T11:17:00.96577Z", 123654123, total=100)

    turn = cards_turn(CardsCursor(), answer)

    assert turn.done is False
    assert turn.cursor == CardsCursor("2023-12-06T11:17:00.96577Z", 123654123)


def test_a_page_with_fewer_cards_than_the_limit_is_the_last_and_the_next_run_starts_after_it():
    cursor = CardsCursor("2023-12-01T00:00:00Z", 5, limit=50)

    turn = cards_turn(cursor, AnswerCursor("2023-12-06T11:17:00.96577Z", 9, total=49))

    assert turn.done is True
    assert turn.cursor == CardsCursor("2023-12-06T11:17:00.96577Z", 9, limit=50)


def test_an_empty_page_ends_the_run_where_it_began():
    cursor = CardsCursor("2023-12-01T00:00:00Z", 5)

    assert cards_turn(cursor, AnswerCursor(None, None, total=0)).cursor == cursor


def test_a_full_page_whose_cursor_does_not_move_cannot_be_paged_past():
    cursor = CardsCursor("2023-12-01T00:00:00Z", 5)

    with pytest.raises(PagingStuck, match="does not move"):
        cards_turn(cursor, AnswerCursor("2023-12-01T00:00:00Z", 5, total=100))


def test_pages_follow_wbs_recipe_to_the_last_card(wb_mock, mock_client):
    """A fake content-api over 250 cards, paging as WB documents it."""
    cards = [
        {**fresh(CARD), "nmID": n, "updatedAt": f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}Z"}
        for n in range(1, 251)
    ]

    def cards_list(request):
        cursor = json.loads(request.body)["settings"]["cursor"]
        after = (cursor.get("updatedAt", ""), cursor.get("nmID", 0))
        page = [c for c in cards if (c["updatedAt"], c["nmID"]) > after][: cursor["limit"]]
        last = page[-1] if page else {}
        answer = {"updatedAt": last.get("updatedAt"), "nmID": last.get("nmID"), "total": len(page)}
        return 200, {}, json.dumps({"cards": page, "cursor": answer})

    wb_mock.add_callback("POST", URL, callback=cards_list, content_type="application/json")

    seen = [card.nm_id for page in mock_client().pages(CARDS, CardsCursor()) for card in page]

    assert seen == list(range(1, 251))
    assert len(wb_mock.calls) == 3


def test_a_test_token_reads_cards_from_the_sandbox(wb_mock, mock_client):
    wb_mock.post(URL.replace("content-api", "content-api-sandbox"), json=CARDS_ANSWER)
    client = mock_client(make_token(wb_payload(acc=2, t=True)))

    with client.page(CARDS, CardsCursor()) as page:
        assert page.count == 1


def test_an_answer_without_its_cursor_is_schema_drift(wb_mock, mock_client):
    wb_mock.post(URL, json={"cards": []})

    with pytest.raises(SchemaDrift, match="'cursor' is missing"):
        mock_client().page(CARDS, CardsCursor())


def test_drift_in_a_card_reaches_the_clients_callback(wb_mock, mock_client):
    card = {**fresh(CARD), "video": 5}
    wb_mock.post(URL, json={"cards": [card], "cursor": {"total": 1}})
    notices = []

    with mock_client(on_drift=notices.append).page(CARDS, CardsCursor()) as page:
        (read,) = list(page)

    assert read.video is None
    assert [(n.method, n.field, n.path) for n in notices] == [
        ("cards-list", "cards[].video", "cards[0].video")
    ]
