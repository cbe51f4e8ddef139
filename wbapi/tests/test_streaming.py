"""Reading answers from their file: outlines checked before rows, batches, flat memory."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import ijson
import pytest

from wbapi import streaming
from wbapi.errors import ProtocolError, SchemaDrift
from wbapi.methods.statistics import ORDERS, ChangesCursor
from wbapi.moscow import MOSCOW
from wbapi.shapes import Field, Shape, integer, moment
from wbapi.streaming import Answer, Layout, Rows, read_object
from wbapi.tests.helpers import answer_of, write_orders

MIB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Row:
    id: int
    extra: Any


ROW = Shape(Row, [Field("id", "id", integer, required=True)])
ROOT = Layout(rows_at="")
NESTED = Layout(rows_at="data.items")


def rows_of(body: object, layout: Layout = ROOT, **answer: Any) -> Rows[Row]:
    return Rows(answer_of(body, **answer), layout, ROW)


def test_rows_come_in_batches_of_records():
    rows = rows_of([{"id": n} for n in range(2500)])

    sizes = [len(batch) for batch in rows.batches(1000)]

    assert rows.count == 2500
    assert sizes == [1000, 1000, 500]
    assert [row.id for row in rows][-3:] == [2497, 2498, 2499]


def test_rows_deep_in_the_answer_are_found_by_their_path():
    rows = rows_of({"data": {"items": [{"id": 1}, {"id": 2}], "total": 2}, "error": False}, NESTED)

    assert [row.id for row in rows] == [1, 2]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "is not the expected JSON object: it is an array"),
        ({"data": []}, "'data' should be an object, not an array"),
        ({"data": {"items": {"id": 1}}}, "'data.items' should be an array, not an object"),
        ({"data": {"items": None}}, "'data.items' should be an array, not null"),
        ({"data": {"total": 0}}, "'data.items' is missing"),
        ({"data": {"items": [{"id": 1}, 7]}}, "'data.items[1]' should be an object, not a number"),
    ],
)
def test_an_answer_of_another_shape_is_schema_drift_before_any_row(body, message):
    with pytest.raises(SchemaDrift, match=message.replace("[", r"\[").replace("]", r"\]")):
        rows_of(body, NESTED, method="wb-stocks")


def test_null_rows_are_no_rows_where_wb_documents_them_as_nullable():
    rows = rows_of({"data": {"items": None}}, Layout(rows_at="data.items", nullable=True))

    assert rows.count == 0
    assert list(rows) == []


def test_a_required_field_is_checked_when_its_batch_is_read():
    rows = rows_of([{"id": 1}, {"name": "no id"}])

    with pytest.raises(SchemaDrift, match=r"'\[1\].id' is missing"):
        list(rows)


@pytest.mark.parametrize(
    "body", [b'[{"id": 1}, {"id": 2}', b'[{"id": 1}] trailing', b"", b'[{"id": 1},,]']
)
def test_json_that_breaks_off_or_is_damaged_anywhere_fails_before_any_row(body):
    with pytest.raises(ProtocolError, match="not valid JSON") as caught:
        rows_of(body)

    assert not isinstance(caught.value, SchemaDrift)
    assert (caught.value.status, caught.value.request_id) == (200, "request-1")


def test_http_204_is_a_page_without_rows():
    rows = rows_of(b"", status=204)

    assert rows.count == 0
    assert list(rows.batches()) == []
    assert rows.watched("id", integer) is None


def test_watched_fields_give_the_first_and_last_rows_values():
    body = [{"id": 1, "at": "2026-03-01T10:00:00"}, {"id": 2, "at": "2026-03-01T11:00:00"}]
    rows = Rows(answer_of(body), Layout(rows_at="", watch=("at",)), ROW)

    assert rows.watched("at", moment, last=False) == datetime(2026, 3, 1, 10, tzinfo=MOSCOW)
    assert rows.watched("at", moment) == datetime(2026, 3, 1, 11, tzinfo=MOSCOW)


def test_a_row_without_a_watched_field_is_drift_naming_the_row():
    body = [{"id": 1, "at": "2026-03-01T10:00:00"}, {"id": 2}]

    with pytest.raises(SchemaDrift, match=r"'\[1\].at' is missing"):
        Rows(answer_of(body), Layout(rows_at="", watch=("at",)), ROW)


def test_a_watched_value_of_the_wrong_kind_is_drift_when_the_paging_reads_it():
    rows = Rows(answer_of([{"id": 1, "at": 5}]), Layout(rows_at="", watch=("at",)), ROW)

    with pytest.raises(SchemaDrift, match=r"'\[0\].at' should be a date and time, not a number"):
        rows.watched("at", moment)


def test_a_whole_answer_is_read_as_one_record_and_the_file_closed():
    answer = answer_of({"id": 5, "more": [1, 2]})

    row = read_object(answer, ROW)

    assert row == Row(5, {"more": [1, 2]})
    assert answer.file.closed


def test_an_empty_204_answer_is_not_the_object_a_method_expects():
    with pytest.raises(SchemaDrift, match="not the expected JSON object: it is empty"):
        read_object(answer_of(b"", status=204, method="ping"), ROW)


def test_an_80000_row_orders_page_is_read_in_flat_memory(tmp_path):
    """WB's 80,000-row orders page (~65 MB) with the memory of a batch, not of the page."""
    path = tmp_path / "orders.json"
    start = datetime(2026, 3, 1, tzinfo=UTC)
    size = write_orders(path, 80_000, start=start, step=timedelta(seconds=1))
    assert size > 60 * MIB

    read = read_in_fresh_process(path, start)

    assert read["count"] == 80_000
    assert Decimal(read["total"]) == sum(
        Decimal(str(round(n % 9000 + n % 100 / 100, 2))) for n in range(80_000)
    )
    assert datetime.fromisoformat(read["date_from"]) == start + timedelta(seconds=79_999 - 1)
    growth = read["peak_growth"]
    assert growth < 30 * MIB, f"peak grew {growth / MIB:.1f} MiB for a {size / MIB:.0f} MiB body"


def read_in_fresh_process(path: Path, start: datetime) -> dict[str, Any]:
    """read_orders_page in a new interpreter, whose peak resident memory is then the reading's
    own: all of it, C buffers too, and without tracemalloc, which made the reading ten times
    slower."""
    code = (
        "import json; from wbapi.tests.test_streaming import read_orders_page; "
        f"print(json.dumps(read_orders_page({str(path)!r}, {start.isoformat()!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def read_orders_page(path: str, start: str) -> dict[str, Any]:
    """The page read as the sync reads it: its outline and cursor first, then in batches."""
    gc.collect()
    before = memory_bytes("VmRSS")
    with Path(path).open("rb") as file:
        answer = Answer(
            method="orders", host="statistics-api", status=200, request_id=None, file=file
        )
        with ORDERS.spec.parse(answer) as rows:
            cursor = ChangesCursor(datetime.fromisoformat(start) - timedelta(days=1))
            turn = ORDERS.turn(cursor, rows)
            count = 0
            total = Decimal(0)
            for batch in rows.batches():
                count += len(batch)
                total += sum(order.price_with_disc for order in batch)
    return {
        "count": count,
        "total": str(total),
        "date_from": turn.cursor.date_from.isoformat(),
        # The peak of the interpreter's life: what it held before the reading only adds to it.
        "peak_growth": memory_bytes("VmHWM") - before,
    }


def memory_bytes(name: str) -> int:
    """A figure of this process's memory from Linux: VmRSS (resident now), VmHWM (its peak)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE).group(1)) * 1024


def test_the_c_parser_is_used_where_its_wheel_provides_it():
    assert streaming.JSON.backend == "yajl2_c"


def test_without_the_c_parser_ijsons_own_choice_is_used(monkeypatch):
    def no_c_backend(name):
        raise ImportError(name)

    monkeypatch.setattr(ijson, "get_backend", no_c_backend)

    assert streaming.fastest_backend() is ijson


def test_the_pure_python_parser_reads_the_same_rows_and_errors(monkeypatch):
    monkeypatch.setattr(streaming, "JSON", ijson.get_backend("python"))

    rows = rows_of({"data": {"items": [{"id": 1}, {"id": 2, "price": 1.25}]}}, NESTED)

    assert [(row.id, row.extra) for row in rows] == [(1, {}), (2, {"price": Decimal("1.25")})]
    with pytest.raises(ProtocolError, match="not valid JSON"):
        rows_of(b'[{"id": 1}', ROOT)
