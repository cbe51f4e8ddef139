"""Rows for the benchmark: many display-only tokens fast, and a pool of real ones to check.

Display-only rows are written with PostgreSQL COPY. Their values look like a real
desk's (sellers with one to three cabinets, a mix of types and statuses, expiry
dates spread over WB's 180 days, some expiring soon or expired); their secret is
a random string as long as a real WB token, really encrypted under the row's id,
so that rows are as wide as real ones. The list pages never decrypt it.

The check pool holds tokens minted by the emulator, each of its own seller,
encrypted and fingerprinted with the server's keys: the app can decrypt them and
the emulator accepts them.
"""

import random
import secrets
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench.scaffold import vacuum
from sellers.models import Seller as CabinetSeller
from tokens.crypto import get_cipher
from tokens.models import WBToken, WBTokenCheck
from wbapi.claims import CATEGORY_BITS, READ_ONLY_BIT, decode_token
from wbapi.emulator.sellers import generate_seller, seller_oid
from wbapi.emulator.state import EmulatorState

Status = WBToken.Status
TokenType = WBToken.TokenType

STATUS_MIX = {
    Status.VALID: 75,
    Status.UNCHECKED: 6,
    Status.INVALID: 6,
    Status.EXPIRED: 8,
    Status.ACCESS_DENIED: 5,
}
# A valid token whose last check could not reach WB keeps its status, with the error noted.
UNREACHED_SHARE = 0.07
TYPE_MIX = {TokenType.PERSONAL: 70, TokenType.SERVICE: 15, TokenType.BASIC: 10, TokenType.TEST: 5}
ERROR_BY_STATUS = {
    Status.INVALID: ("invalid_token", "token is revoked"),
    Status.ACCESS_DENIED: ("access_denied", "token scope not allowed"),
}
CABINET_WORDS = ("основной", "склад Коледино", "FBS", "маркетинг", "аналитика", "бухгалтерия")
POOL_CATEGORIES = "content,analytics,prices,marketplace,statistics"
COPY_BATCH = 5_000

FIELDS = [field for field in WBToken._meta.concrete_fields]
COLUMNS = ", ".join(connection.ops.quote_name(field.column) for field in FIELDS)


def token_count() -> int:
    return WBToken.objects.count()


def fill_to(size: int, *, owner_id: int, rng: random.Random, token_length: int) -> int:
    """Add display-only tokens until the table holds `size` rows; returns how many were added."""
    missing = size - token_count()
    if missing <= 0:
        return 0
    for start in range(0, missing, COPY_BATCH):
        count = min(COPY_BATCH, missing - start)
        rows = list(display_rows(count, owner_id=owner_id, rng=rng, token_length=token_length))
        copy_rows(with_sellers(rows))
    return missing


def with_sellers(rows: list[dict]) -> list[dict]:
    """The rows, each with the id of its seller's cabinet, made now where it is new."""
    wanted = {row["seller"].sid: row["seller"] for row in rows if row["seller"]}
    known = dict(CabinetSeller.objects.filter(sid__in=wanted).values_list("sid", "pk"))
    new = [
        CabinetSeller(
            sid=seller.sid,
            oid=seller_oid(seller.sid),
            name=seller.name,
            tin=seller.tin,
            trade_mark=seller.trade_mark,
            country=seller.country,
            info_checked_at=timezone.now(),
        )
        for sid, seller in wanted.items()
        if sid not in known
    ]
    known |= {made.sid: made.pk for made in CabinetSeller.objects.bulk_create(new)}
    for row in rows:
        seller = row.pop("seller")
        row["seller_id"] = known[seller.sid] if seller else None
    return rows


def settle() -> None:
    """VACUUM ANALYZE: the planner statistics and visibility map autovacuum would soon have.

    Without it the first minutes after a bulk load are measured: no statistics yet,
    and no index-only scans until autovacuum has marked the pages all-visible.
    """
    vacuum(WBToken, WBTokenCheck, analyze=True)


def copy_rows(rows: Iterator[dict]) -> None:
    statement = f"COPY {WBToken._meta.db_table} ({COLUMNS}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[field.attname] for field in FIELDS])


def display_rows(
    count: int, *, owner_id: int, rng: random.Random, token_length: int
) -> Iterator[dict]:
    cipher = get_cipher()
    now = timezone.now()
    seller = None
    for _n in range(count):
        if seller is None or rng.random() < 0.5:  # one to a few cabinets per seller
            seller = generate_seller(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        token_type = weighted(rng, TYPE_MIX)
        status = weighted(rng, STATUS_MIX)
        raw = secrets.token_urlsafe(token_length)[:token_length]
        row_id = uuid.uuid4()
        created = now - timedelta(days=rng.uniform(1, 400))
        checks = rng.randint(0, 60) if status != Status.UNCHECKED else 0
        code, detail = ERROR_BY_STATUS.get(status, ("", ""))
        if status == Status.EXPIRED:
            code, detail = "token_expired", ""
        elif status == Status.VALID and rng.random() < UNREACHED_SHARE:
            code, detail = "wb_unavailable", ""
        yield {
            **common_values(row_id, raw, cipher, created, owner_id),
            "name": f"{seller.trade_mark} · {rng.choice(CABINET_WORDS)} {rng.randint(1, 999)}",
            "token_type": token_type,
            "seller": seller if status != Status.UNCHECKED else None,
            "token_id": str(uuid.uuid4()),
            "scope_mask": scope_mask(rng),
            "is_test": token_type == TokenType.TEST,
            "expires_at": expiry(rng, now, expired=status == Status.EXPIRED),
            "status": status,
            "last_checked_at": now - timedelta(hours=rng.uniform(0, 720)) if checks else None,
            "last_error_code": code,
            "last_error_detail": detail,
            "last_used_at": now - timedelta(hours=rng.uniform(0, 720)) if checks else None,
            "check_count": checks,
            "failed_check_count": rng.randint(0, checks // 4),
            "request_count": checks * 2,
        }


def common_values(row_id, raw: str, cipher, created: datetime, owner_id: int) -> dict:
    return {
        "id": row_id,
        "ciphertext": cipher.encrypt(raw, row_id=row_id),
        "fingerprint": cipher.fingerprint(raw),
        "hint": raw[-4:],
        "created_by_id": owner_id,
        "created_at": created,
        "updated_at": created,
    }


def weighted(rng: random.Random, mix: dict) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def scope_mask(rng: random.Random) -> int:
    bits = rng.sample(sorted(CATEGORY_BITS), rng.randint(1, len(CATEGORY_BITS)))
    if rng.random() < 0.1:
        bits.append(READ_ONLY_BIT)
    return sum(1 << bit for bit in bits)


def expiry(rng: random.Random, now: datetime, *, expired: bool) -> datetime:
    if expired:
        return now - timedelta(days=rng.uniform(0.1, 90))
    return now + timedelta(days=rng.uniform(0.5, 180))


def minted_token_length(state_dir: Path) -> int:
    return len(EmulatorState.open(state_dir).mint(categories=POOL_CATEGORIES))


def add_check_pool(
    count: int, *, state_dir: Path, owner_id: int, rng: random.Random
) -> list[tuple[uuid.UUID, str]]:
    """`count` valid tokens minted by the emulator, each of a different seller: (id, token)."""
    state = EmulatorState.open(state_dir)
    cipher = get_cipher()
    now = timezone.now()
    rows, ids = [], []
    for n in range(count):
        raw = state.mint(categories=POOL_CATEGORIES, days=rng.uniform(30, 180))
        claims = decode_token(raw)
        seller = generate_seller(claims.seller_sid)
        row_id = uuid.uuid4()
        ids.append((row_id, raw))
        rows.append(
            {
                **common_values(row_id, raw, cipher, now - timedelta(days=30), owner_id),
                "name": f"Проверка {n + 1:03d} · {seller.trade_mark}",
                "token_type": claims.token_type,
                "seller": seller,
                "token_id": claims.token_id or "",
                "scope_mask": claims.scope_mask,
                "is_test": claims.is_test,
                "expires_at": claims.expires_at,
                "status": Status.VALID,
                "last_checked_at": now - timedelta(days=1),
                "last_error_code": "",
                "last_error_detail": "",
                "last_used_at": now - timedelta(days=1),
                "check_count": 1,
                "failed_check_count": 0,
                "request_count": 2,
            }
        )
    copy_rows(with_sellers(rows))
    return ids


def add_history(token_id: uuid.UUID, *, count: int, by_id: int, rng: random.Random) -> None:
    """A check history for the token whose detail page is measured (it shows the last 20)."""
    now = timezone.now()
    WBTokenCheck.objects.bulk_create(
        WBTokenCheck(
            token_id=token_id,
            checked_at=now - timedelta(hours=n * 7),
            trigger=rng.choice(WBTokenCheck.Trigger.values),
            checked_by_id=by_id,
            outcome=Status.VALID,
            http_status=200,
            duration_ms=rng.randint(80, 900),
            request_count=2,
            wb_request_id=uuid.uuid4().hex,
        )
        for n in range(count)
    )
