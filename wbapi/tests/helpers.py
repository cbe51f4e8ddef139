"""Helpers shared by the wbapi tests."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from wbapi.claims import b64url_encode
from wbapi.moscow import MOSCOW
from wbapi.shapes import DriftLog, DriftNotice
from wbapi.streaming import Answer
from wbapi.tests.wb_examples import ORDER

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# The test worlds' history starts 19 weeks before NOW (a Monday).
HISTORY_START = "2025-10-20"
HS256_HEADER = {"alg": "HS256", "typ": "JWT"}


def make_token(payload: object, *, header: object = None, signature: str = "c2lnbmF0dXJl") -> str:
    """A JWT-shaped token around any payload (the signature is not checked by decode_token)."""
    parts = (HS256_HEADER if header is None else header, payload)
    encoded = (b64url_encode(json.dumps(part).encode("utf-8")) for part in parts)
    return ".".join([*encoded, signature])


def wb_payload(**claims: object) -> dict:
    """A personal token's payload, as WB lays it out, with some claims replaced."""
    payload = {
        "acc": 3,
        "ent": 1,
        "exp": int((NOW + timedelta(days=180)).timestamp()),
        "for": "self",
        "iat": int(NOW.timestamp()),
        "id": "0b5c2f4e-1d7a-4f6b-9a3e-2c8d7e6f5a41",
        "oid": 1234567,
        "s": 1 << 1 | 1 << 5,
        "sid": "5e1f7d2c-3b4a-4c9d-8e7f-6a5b4c3d2e1f",
        "t": False,
        "uid": 12345671,
    }
    payload.update(claims)
    return payload


class FakeSleep:
    """Stands in for time.sleep: records the waits, waits for none of them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class FakeClock:
    """A monotonic clock that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def secret_pieces(token: str) -> list[str]:
    """The token and each of its parts longer than the 4-character hint."""
    return [piece for piece in {token, *token.split(".")} if len(piece) > 4]


def answer_of(
    body: object,
    *,
    method: str = "test-method",
    status: int = 200,
    report: Callable[[DriftNotice], None] | None = None,
) -> Answer:
    """An answer as the client hands it to a parser: `body` (JSON, or raw bytes) in a file."""
    file = tempfile.SpooledTemporaryFile()  # noqa: SIM115 (the answer closes it)
    file.write(body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))
    file.seek(0)
    return Answer(
        method=method,
        host="test-api",
        status=status,
        request_id="request-1",
        file=file,
        report=report or DriftLog(),
    )


def offline_token(**claims: object) -> str:
    """A personal token for a client that only talks to `responses` mocks."""
    return make_token(wb_payload(**claims))


def order_row(number: int, last_change: datetime) -> dict:
    """An order row shaped like WB's example, made unique by `number`."""
    row = dict(ORDER)
    row |= {
        "lastChangeDate": last_change.astimezone(MOSCOW).replace(tzinfo=None).isoformat(),
        "nmId": 100_000_000 + number,
        "barcode": f"{2_000_000_000_000 + number}",
        "incomeID": 50_000_000 + number,
        "totalPrice": 1000 + number % 9000,
        "finishedPrice": 500 + number % 5000,
        "priceWithDisc": round(number % 9000 + number % 100 / 100, 2),  # kopecks, as WB has
        "isCancel": number % 17 == 0,
        "cancelDate": "2022-03-09T00:00:00" if number % 17 == 0 else "0001-01-01T00:00:00",
        "sticker": f"{926_912_515 + number}",
        "gNumber": f"{34_343_462_218_572_569_531 + number}",
        "srid": f"{number}.rf9ef11fce1684117b0nhj96222982382.3.0",
    }
    return row


def write_orders(path: Path, rows: int, *, start: datetime, step: timedelta) -> int:
    """A WB orders page of `rows` rows in a file, one row at a time; returns its size."""
    with path.open("w", encoding="utf-8") as file:
        file.write("[")
        for number in range(rows):
            if number:
                file.write(",")
            file.write(json.dumps(order_row(number, start + number * step), ensure_ascii=False))
        file.write("]")
    return path.stat().st_size


def call_wb(server, method: str, host: str, path: str, token: str | None = None, **kwargs):
    """A request to one of the emulator's WB hosts, with the token as a Bearer header."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = server.base_url.replace("{host}", host) + path
    return requests.request(method, url, headers=headers, timeout=30, **kwargs)
