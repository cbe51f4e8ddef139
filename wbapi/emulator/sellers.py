"""Sellers the emulator knows: those named at mint time, and generated ones for any other sid.

Generated data depends only on the sid, so the same token always gets the same seller, across
restarts and machines.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from wbapi.emulator.storage import SharedJson

SURNAMES = (
    "Иванов",
    "Смирнова",
    "Кузнецов",
    "Попова",
    "Соколов",
    "Лебедева",
    "Козлов",
    "Новикова",
    "Морозов",
    "Волкова",
)
INITIALS = "АБВГДЕЖИКЛМНОПРСТ"
COMPANY_WORDS = (
    "Северный лён",
    "Тёплый дом",
    "Ручная работа",
    "Светлая кухня",
    "Зелёный сад",
    "Быстрый старт",
    "Мягкий шаг",
    "Городской стиль",
)
TRADE_MARKS = ("Nord Linen", "Casa Calda", "Handmade Lab", "Bright Kitchen", "Green Yard")
# WB's seller-info returns the profile's country of registration as a string; the exact
# format is not documented, an ISO 3166 code is assumed.
DEFAULT_COUNTRY = "RU"


@dataclass(frozen=True)
class Seller:
    sid: str
    name: str
    tin: str  # ИНН
    trade_mark: str
    country: str

    def as_seller_info(self) -> dict[str, str]:
        """The body of GET /api/v1/seller-info."""
        return {
            "name": self.name,
            "sid": self.sid,
            "tin": self.tin,
            "tradeMark": self.trade_mark,
            "country": self.country,
        }


def generate_seller(sid: str) -> Seller:
    """A plausible seller, the same for the same sid: a sole trader or a company."""
    rng = _rng_for(sid)
    if rng.random() < 0.5:
        surname = rng.choice(SURNAMES)
        first, middle = rng.choice(INITIALS), rng.choice(INITIALS)
        name, tin = f"ИП {surname} {first}. {middle}.", _personal_tin(rng)
    else:
        name, tin = f"ООО «{rng.choice(COMPANY_WORDS)}»", _company_tin(rng)
    return Seller(sid, name, tin, rng.choice(TRADE_MARKS), DEFAULT_COUNTRY)


def seller_oid(sid: str) -> int:
    """The numeric seller id that goes with a sid in the token's `oid` claim."""
    return _rng_for(f"oid:{sid}").randint(100_000, 9_999_999)


class SellerRegistry:
    """Sellers named at mint time, stored in the state directory; generated ones otherwise."""

    def __init__(self, path: Path | None) -> None:
        self._store = SharedJson(path)

    def get(self, sid: str) -> Seller:
        known = self._store.read().get(sid)
        return Seller(**known) if known else generate_seller(sid)

    def register(
        self,
        sid: str,
        *,
        name: str | None = None,
        tin: str | None = None,
        trade_mark: str | None = None,
        country: str | None = None,
    ) -> Seller:
        """Record the given details for a sid; details not given keep their current values."""
        given = {"name": name, "tin": tin, "trade_mark": trade_mark, "country": country}
        seller = replace(self.get(sid), **{key: value for key, value in given.items() if value})
        self._store.update(lambda sellers: sellers.__setitem__(sid, asdict(seller)))
        return seller


def _rng_for(seed: str) -> random.Random:
    # Deterministic test data, not secrets: a seeded PRNG is what is wanted here.
    return random.Random(hashlib.sha256(seed.encode("utf-8")).digest())  # noqa: S311


def _personal_tin(rng: random.Random) -> str:
    """A 12-digit ИНН of an individual, with both check digits right."""
    digits = [rng.randint(0, 9) for _ in range(10)]
    digits.append(_check_digit(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    digits.append(_check_digit(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, digits))


def _company_tin(rng: random.Random) -> str:
    """A 10-digit ИНН of a legal entity, with its check digit right."""
    digits = [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(8))]
    digits.append(_check_digit(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, digits))


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10
