"""The emulator's tokens: WB's JWT claim layout, signed with the emulator's own HS256 key.

The header says HS256 honestly (WB's own tokens are ES256 and cannot be forged). The key comes
from `WB_EMULATOR_KEY`, else from the `key` file in the state directory, created on first use,
so tokens minted by the CLI are accepted by a server that shares the directory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from wbapi.claims import CATEGORY_BITS, READ_ONLY_BIT, TOKEN_TYPES, b64url_encode

KEY_ENV = "WB_EMULATOR_KEY"
STATE_DIR_ENV = "WB_EMULATOR_STATE_DIR"
DEFAULT_STATE_DIR = Path("var/emulator")
KEY_FILE = "key"
HEADER = {"alg": "HS256", "typ": "JWT"}

TOKEN_LIFETIME_DAYS = 180  # WB issues every token for 180 days
CATEGORY_BY_NAME = {name: bit for bit, name in CATEGORY_BITS.items()}
ACC_BY_TYPE = {name: acc for acc, name in TOKEN_TYPES.items()}
# Everything but the retired "recommendations" category.
DEFAULT_CATEGORIES = tuple(name for name in CATEGORY_BITS.values() if name != "recommendations")
# A service token names its service in the `for` claim as `asid:<id>`.
EMULATED_SERVICE_ID = 1001


def state_dir_from_env() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)


def load_key(state_dir: Path) -> bytes:
    """The signing key: `WB_EMULATOR_KEY`, else the key file, created (0600) if missing."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = state_dir / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    return path.read_bytes().strip()


def _create_key_file(path: Path) -> None:
    """Write a new key beside `path`, then link it into place: a process that loses the race
    to create the key uses the winner's, and nobody ever reads a half-written key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_hex(32))
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()


def scope_mask(categories: Iterable[str], *, read_only: bool) -> int:
    """The `s` claim for category names; ValueError for a name WB does not have."""
    mask = 1 << READ_ONLY_BIT if read_only else 0
    for name in categories:
        if name not in CATEGORY_BY_NAME:
            raise ValueError(f"Unknown WB API category: {name!r}")
        mask |= 1 << CATEGORY_BY_NAME[name]
    return mask


def token_payload(
    *,
    type_name: str,
    categories: Iterable[str],
    expires_at: datetime,
    issued_at: datetime,
    sid: str,
    oid: int,
    read_only: bool = False,
    test: bool = False,
) -> dict:
    """Claims laid out as in WB's tokens. `ent`, `uid` and `iat` are seen on real tokens but
    not documented by WB; they are filled with plausible values."""
    if type_name not in ACC_BY_TYPE:
        raise ValueError(f"Unknown token type {type_name!r}; one of {sorted(ACC_BY_TYPE)}")
    payload = {
        "acc": ACC_BY_TYPE[type_name],
        "ent": 1,
        "exp": int(expires_at.timestamp()),
        "iat": int(issued_at.timestamp()),
        "id": str(uuid.uuid4()),
        "oid": oid,
        "s": scope_mask(categories, read_only=read_only),
        "sid": sid,
        "t": test or type_name == "test",
        "uid": oid * 10 + 1,
    }
    issued_for = {"personal": "self", "service": f"asid:{EMULATED_SERVICE_ID}"}.get(type_name)
    if issued_for:
        payload["for"] = issued_for
    return payload


def sign(key: bytes, payload: dict) -> str:
    """header.payload.signature, base64url without padding."""
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode("utf-8"))
        for part in (HEADER, payload)
    )
    return f"{signing_input}.{_signature(key, signing_input)}"


def signature_matches(key: bytes, token: str) -> bool:
    signing_input, _, signature = token.rpartition(".")
    return hmac.compare_digest(_signature(key, signing_input), signature)


def _signature(key: bytes, signing_input: str) -> str:
    return b64url_encode(hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest())
