"""Typed records from WB's JSON: money, Moscow time, required and optional fields, drift."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from wbapi.errors import ProtocolError, SchemaDrift
from wbapi.moscow import MOSCOW, moscow_text, parse_day, parse_moment
from wbapi.shapes import (
    Context,
    DriftLog,
    DriftNotice,
    Field,
    Mismatch,
    Shape,
    day,
    flag,
    integer,
    many,
    moment,
    money,
    nested,
    text,
    texts,
)


@dataclass(frozen=True)
class Size:
    chrt_id: int
    skus: tuple[str, ...]
    extra: Any


@dataclass(frozen=True)
class Item:
    nm_id: int
    price: Decimal | None
    title: str
    sizes: tuple[Size, ...]
    extra: Any


SIZE = Shape(
    Size,
    [Field("chrt_id", "chrtID", integer, required=True), Field("skus", "skus", texts, default=())],
)
ITEM = Shape(
    Item,
    [
        Field("nm_id", "nmID", integer, required=True),
        Field("price", "price", money),
        Field("title", "title", text, default=""),
        many("sizes", "sizes", SIZE),
    ],
)


class Notices(list):
    def __call__(self, notice: DriftNotice) -> None:
        self.append(notice)


def build(value: object, notices: Notices | None = None, shape: Shape = ITEM) -> Any:
    report = Notices() if notices is None else notices
    context = Context("cards-list", status=200, request_id="r-1", report=report)
    return shape.build(value, context.root().key("cards").index(3))


# --- Readers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("376.99"), Decimal("376.99")),
        (1887, Decimal(1887)),
        ("376.99", Decimal("376.99")),
        (" -1 ", Decimal(-1)),
        ("0.000001", Decimal("0.000001")),
        (0.1, Decimal("0.1")),  # kept as written, not as the binary 0.1000000000000000055…
    ],
)
def test_money_is_an_exact_decimal_from_numbers_and_strings(value, expected):
    amount = money(value)

    assert amount == expected
    assert type(amount) is Decimal


@pytest.mark.parametrize("value", [True, "12,50", "NaN", "Infinity", "", [], {}])
def test_money_refuses_what_is_not_an_amount(value):
    with pytest.raises(Mismatch):
        money(value)


def test_integer_refuses_booleans_and_fractions():
    assert integer(2**60) == 2**60  # report ids may exceed 2**53
    for value in (True, Decimal("1.5"), "1", None):
        with pytest.raises(Mismatch):
            integer(value)


def test_flag_and_text_take_only_their_own_kind():
    assert flag(False) is False
    assert text("") == ""
    with pytest.raises(Mismatch):
        flag(0)
    with pytest.raises(Mismatch):
        text(12)


def test_a_time_without_an_offset_is_moscow_time():
    parsed = moment("2022-03-06T10:11:07")

    assert parsed == datetime(2022, 3, 6, 7, 11, 7, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(hours=3)


def test_a_time_with_an_offset_is_taken_as_given():
    assert moment("2026-03-14T00:00:00Z") == datetime(2026, 3, 14, tzinfo=UTC)
    assert moment("2024-08-16T11:19:05+05:00") == datetime(2024, 8, 16, 6, 19, 5, tzinfo=UTC)
    # WB's content API writes up to nine digits of a second.
    assert moment("2023-12-06T11:17:00.965771234Z").microsecond == 965771


def test_wbs_year_one_means_none():
    assert moment("0001-01-01T00:00:00") is None
    assert day("0001-01-01") is None


def test_a_day_is_a_date_or_the_moscow_date_of_a_time():
    assert day("2026-03-16") == date(2026, 3, 16)
    assert day("2026-03-15T22:30:00Z") == date(2026, 3, 16)
    assert parse_day("2026-03-16T01:00:00") == date(2026, 3, 16)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "", 20260316, None])
def test_moment_and_day_refuse_what_is_not_a_date(value):
    with pytest.raises(Mismatch):
        moment(value)
    with pytest.raises(Mismatch):
        day(value)


def test_times_go_to_wb_as_moscow_time_without_an_offset():
    assert moscow_text(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == "2026-03-01T15:00:00"
    # Milliseconds at most, cut rather than rounded up, so that no row is skipped.
    assert moscow_text(datetime(2026, 3, 1, 21, 30, 5, 999999, tzinfo=UTC)) == (
        "2026-03-02T00:30:05.999"
    )
    assert moscow_text(date(2026, 3, 1)) == "2026-03-01"
    assert parse_moment(moscow_text(datetime(2026, 3, 1, 12, tzinfo=MOSCOW))) == datetime(
        2026, 3, 1, 12, tzinfo=MOSCOW
    )
    with pytest.raises(ValueError, match="aware"):
        moscow_text(datetime(2026, 3, 1, 12))


# --- Records --------------------------------------------------------------------------------


def test_a_record_is_built_with_typed_fields_and_keeps_the_fields_it_does_not_type():
    item = build(
        {"nmID": 7, "price": "10.50", "title": "Cup", "sizes": [{"chrtID": 1}], "gtin": "4600"}
    )

    assert item == Item(7, Decimal("10.50"), "Cup", (Size(1, (), {}),), {"gtin": "4600"})


def test_optional_fields_missing_or_null_take_their_default_silently():
    notices = Notices()

    item = build({"nmID": 7, "price": None}, notices)

    assert (item.price, item.title, item.sizes) == (None, "", ())
    assert notices == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"price": "1"}, "'cards[3].nmID' is missing"),
        ({"nmID": None}, "'cards[3].nmID' is missing"),
        ({"nmID": "7"}, "'cards[3].nmID' should be an integer, not text"),
        ({"nmID": 7, "sizes": [{"chrtID": 1}, {"skus": []}]}, "'cards[3].sizes[1].chrtID' is"),
        ([{"nmID": 7}], "'cards[3]' should be an object, not an array"),
        ("oops", "'cards[3]' should be an object, not text"),
    ],
)
def test_a_required_field_or_object_that_is_not_there_is_schema_drift_naming_the_path(
    value, message
):
    with pytest.raises(SchemaDrift) as caught:
        build(value)

    assert message in str(caught.value)
    assert str(caught.value).startswith("WB's answer to cards-list is not the expected JSON")
    assert isinstance(caught.value, ProtocolError)
    assert caught.value.method == "cards-list"
    assert caught.value.path == message.split("'")[1]
    assert (caught.value.status, caught.value.request_id) == (200, "r-1")


def test_a_required_date_that_wb_gives_as_year_one_is_drift():
    @dataclass(frozen=True)
    class Dated:
        when: datetime

    shape = Shape(Dated, [Field("when", "lastChangeDate", moment, required=True)], extra=False)

    with pytest.raises(SchemaDrift, match=r"'cards\[3\].lastChangeDate' is empty"):
        build({"lastChangeDate": "0001-01-01T00:00:00"}, shape=shape)


def test_an_optional_field_of_another_type_becomes_its_default_and_is_reported():
    notices = Notices()

    item = build({"nmID": 7, "price": True, "title": 5, "sizes": {"chrtID": 1}}, notices)

    assert (item.price, item.title, item.sizes) == (None, "", ())
    assert [(n.field, n.path, n.expected, n.got) for n in notices] == [
        ("cards[].price", "cards[3].price", "a number", "true/false"),
        ("cards[].title", "cards[3].title", "text", "a number"),
        ("cards[].sizes", "cards[3].sizes", "an array of objects", "an object"),
    ]
    assert {n.method for n in notices} == {"cards-list"}


def test_a_nested_object_of_the_wrong_kind_is_reported_not_raised():
    @dataclass(frozen=True)
    class Boxed:
        size: Size | None
        extra: Any

    notices = Notices()
    shape = Shape(Boxed, [nested("size", "size", SIZE)])

    boxed = build({"size": ["x"]}, notices, shape=shape)

    assert boxed.size is None
    assert [n.path for n in notices] == ["cards[3].size"]


def test_the_answer_as_a_whole_of_the_wrong_kind_names_the_expected_json():
    context = Context("ping", status=200)

    with pytest.raises(SchemaDrift) as caught:
        ITEM.build(["not", "an", "object"], context.root())

    assert (
        str(caught.value) == "WB's answer to ping is not the expected JSON object: it is an array."
    )
    assert caught.value.path == ""


def test_drift_messages_never_repeat_the_value_wb_sent():
    secret_looking = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl"
    notices = Notices()

    build({"nmID": 7, "price": secret_looking}, notices)
    with pytest.raises(SchemaDrift) as caught:
        build({"nmID": secret_looking})

    assert secret_looking not in repr(notices)
    assert secret_looking not in str(caught.value)


# --- The once-a-day log ---------------------------------------------------------------------


def notice(method: str = "orders", field: str = "[].spp", path: str = "[5].spp") -> DriftNotice:
    return DriftNotice(method, field, path, "a number", "text")


def test_drift_is_logged_once_per_method_and_field_per_day(caplog):
    caplog.set_level(logging.WARNING, logger="wbapi.shapes")
    today = [date(2026, 3, 1)]
    log = DriftLog(today=lambda: today[0])

    log(notice(path="[5].spp"))
    log(notice(path="[6].spp"))  # the same field of another row
    log(notice(field="[].forPay", path="[5].forPay"))
    log(notice(method="sales"))
    today[0] = date(2026, 3, 2)
    log(notice(path="[9].spp"))

    assert [(r.levelno, r.args[0], r.args[2]) for r in caplog.records] == [
        (logging.WARNING, "orders", "[5].spp"),
        (logging.WARNING, "orders", "[5].forPay"),
        (logging.WARNING, "sales", "[5].spp"),
        (logging.WARNING, "orders", "[9].spp"),
    ]
    assert "text" in caplog.records[0].getMessage()
