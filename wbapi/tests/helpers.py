"""Helpers shared by the wbapi tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from wbapi.claims import b64url_encode

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
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


def secret_pieces(token: str) -> list[str]:
    """The token and each of its parts longer than the 4-character hint."""
    return [piece for piece in {token, *token.split(".")} if len(piece) > 4]
