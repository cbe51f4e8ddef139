"""Bodies of any size: streamed to a temporary file within the deadline and the method's cap."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from wbapi.client import WBClient
from wbapi.errors import ProtocolError, WBUnavailable
from wbapi.methods.base import MethodSpec, Params
from wbapi.shapes import Field, Shape, integer
from wbapi.streaming import Layout, Rows
from wbapi.tests.helpers import FakeSleep, offline_token
from wbapi.tests.scripted import Script, ScriptedServer
from wbapi.transport import MAX_ERROR_BODY_BYTES, SPOOL_BYTES

MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    id: int
    extra: Any


ROW = Shape(Row, [Field("id", "id", integer, required=True)])


def rows_spec(cap: int = 16 * MIB, *, idempotent: bool = True) -> MethodSpec[Rows[Row]]:
    return MethodSpec(
        name="test-rows",
        verb="POST",
        category="statistics",
        path="/rows",
        limit_group="statistics-orders",
        max_body_bytes=cap,
        parse=lambda answer: Rows(answer, Layout(rows_at=""), ROW),
        idempotent=idempotent,
    )


def rows_body(count: int) -> bytes:
    return json.dumps([{"id": n, "pad": "x" * 40} for n in range(count)]).encode()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def client_of(server: ScriptedServer, **options: Any) -> WBClient:
    client = WBClient(offline_token(), base_url=server.base_url, **options)
    client.sleep = FakeSleep()
    return client


def test_a_body_larger_than_memory_spooling_goes_to_a_file_without_a_name(server):
    server.script = Script(body=rows_body(40_000))
    assert len(server.script.body) > 2 * SPOOL_BYTES

    rows = client_of(server).call(rows_spec())
    file = rows.answer.file
    on_disk = os.fstat(file.fileno())

    assert on_disk.st_nlink == 0  # no name on disk: gone when closed, or if the process dies
    assert on_disk.st_size == len(server.script.body)
    assert rows.count == 40_000
    rows.close()
    assert file.closed


def test_a_body_announced_larger_than_the_cap_is_refused_before_reading_it(server):
    server.script = Script(body=rows_body(100), content_length=20 * MIB, cut_after=0)

    with pytest.raises(ProtocolError, match="too large") as caught:
        client_of(server).call(rows_spec(cap=1 * MIB))

    assert caught.value.status == 200
    assert len(server.seen) == 1  # not retried


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_cap(server):
    server.script = Script(body=rows_body(30_000), chunked=True)

    with pytest.raises(ProtocolError, match=r"too large \(over 65,536 bytes\)"):
        client_of(server).call(rows_spec(cap=64 * 1024))


def test_the_cap_is_per_method(server):
    server.script = Script(body=rows_body(30_000), chunked=True)

    assert client_of(server).call(rows_spec(cap=4 * MIB)).count == 30_000


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_cut_off_mid_stream_is_wb_unavailable_and_retried(server, chunked):
    body = rows_body(1000)
    server.script = Script(body=body, chunked=chunked, cut_after=len(body) // 2, piece=4096)

    with pytest.raises(WBUnavailable, match="connection to WB broke off") as caught:
        client_of(server, retries=2).call(rows_spec())

    assert caught.value.status == 200
    assert not caught.value.permanent
    assert len(server.seen) == 3


def test_a_cut_off_body_of_a_method_that_is_not_idempotent_is_not_retried(server):
    body = rows_body(1000)
    server.script = Script(body=body, cut_after=100)

    with pytest.raises(WBUnavailable):
        client_of(server, retries=2).call(rows_spec(idempotent=False))

    assert len(server.seen) == 1


def test_the_deadline_bounds_a_large_body_trickled_in_pieces(server):
    """Each piece comes well within the read timeout; only the deadline can stop this."""
    server.script = Script(body=rows_body(50_000), piece=64 * 1024, pause=0.05)

    started = time.monotonic()
    with pytest.raises(WBUnavailable, match=r"within 0\.6 s") as caught:
        client_of(server, deadline=0.6, retries=0).call(rows_spec())

    assert time.monotonic() - started < 0.6 + 0.25
    assert caught.value.status == 200


def test_only_the_head_of_a_large_error_answer_is_read(server):
    huge_page = b"<html>" + b"x" * (8 * MIB) + b"</html>"
    server.script = Script(status=503, headers={"Content-Type": "text/html"}, body=huge_page)

    started = time.monotonic()
    with pytest.raises(WBUnavailable, match="WB answered 503") as caught:
        client_of(server, retries=1).call(rows_spec(cap=256 * MIB))

    assert caught.value.status == 503  # the answer's own status, not "too large"
    assert len(server.seen) == 2  # a 5xx is retried as always
    assert time.monotonic() - started < 2
    assert len(huge_page) > MAX_ERROR_BODY_BYTES


def test_http_204_is_a_page_without_rows(server):
    server.script = Script(status=204, headers={}, body=b"")

    rows = client_of(server).call(rows_spec())

    assert rows.count == 0
    assert list(rows) == []
    rows.close()


def test_a_post_sends_its_json_body_and_a_path_parameter_quoted(server):
    spec = MethodSpec(
        name="stocks",
        verb="POST",
        category="marketplace",
        path="/api/v3/stocks/{warehouseId}",
        limit_group="marketplace-stocks",
        max_body_bytes=MIB,
        parse=lambda answer: Rows(answer, Layout(rows_at=""), ROW),
    )
    client_of(server).call(spec, Params(path={"warehouseId": "7/8"}, body={"chrtIds": [1, 2]}))

    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", "/marketplace-api/api/v3/stocks/7%2F8")
    assert seen.headers["Content-Type"] == "application/json"
    assert json.loads(seen.body) == {"chrtIds": [1, 2]}
