"""A seller's catalogue: products (nmID) and their sizes (chrtID, barcodes), card edits, and
the price of every size at any moment.

Product `i` is computed from the seed and `i` alone, so any product is at hand without the
others; ids are arithmetic on `i` (nmID = base + i, chrtID = base + 8i + size) and map back.
Most products exist before the history starts; the last tenth appear during it, two days
apart. One product in thirty goes to the trash some weeks after it was created; such products
never sell and hold no stock. A card is edited every `edit_period` seconds and a price changes
every `price_period` seconds, each from its own phase.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from functools import cached_property

from wbapi.emulator.world.basis import DAY, mix, unit

# Purposes, so that different things drawn for the same product are independent.
PRODUCT, EDIT, PRICE, DISCOUNT, CLUB, TRASH, PHOTO_SEED = range(1, 8)
MAX_SIZES = 8  # chrtIDs of a product are base + 8i + j
NEW_PRODUCT_SPACING = 2 * DAY
PHOTO_HOST = "https://basket-{basket:02d}.wbbasket.ru"
PHOTO_SIZES = ("big", "c246x328", "c516x688", "square", "tm")
TAG_COLORS = ("D1CFD7", "FEE0E0", "ECDAFF", "E4EAFF", "DEF1DD", "FFECC7")
TAG_NAMES = ("Новинка", "Хит", "Распродажа", "Осень", "Подарок", "Базовый")
DISCOUNTS = (0, 5, 10, 15, 20, 25, 30, 40, 50)
CLUB_DISCOUNTS = (0, 0, 0, 3, 5)

SIZE_RUNS = {
    "clothes": (("XS", "42"), ("S", "44"), ("M", "46"), ("L", "48"), ("XL", "50")),
    "shoes": (("37", "37"), ("38", "38"), ("39", "39"), ("40", "40"), ("41", "41")),
    "kids": (("98", "98"), ("104", "104"), ("110", "110")),
    "one": (("0", ""),),
}


@dataclass(frozen=True)
class Subject:
    id: int
    name: str
    category: str  # the parent category, statistics-api's `category`
    sizes: str  # key of SIZE_RUNS
    editable_size_price: bool
    commission: float  # WB's commission, %
    price_range: tuple[int, int]  # roubles
    weight: float  # kg, with packaging
    box: tuple[int, int, int]  # length, width, height, cm
    logistics: int  # kopecks per delivery


SUBJECTS = (
    Subject(192, "Футболки", "Одежда", "clothes", False, 23.5, (590, 2490), 0.2, (30, 25, 3), 5600),
    Subject(11, "Платья", "Одежда", "clothes", True, 25.0, (1490, 6990), 0.45, (35, 30, 5), 6200),
    Subject(105, "Кроссовки", "Обувь", "shoes", True, 21.5, (2990, 9990), 1.1, (35, 22, 13), 8900),
    Subject(2560, "Пижамы", "Детям", "kids", False, 19.0, (890, 2990), 0.35, (30, 24, 4), 5400),
    Subject(469, "Кружки", "Дом", "one", False, 17.5, (290, 1290), 0.5, (14, 12, 11), 6100),
    Subject(3091, "Пледы", "Дом", "one", False, 17.0, (1190, 4990), 1.4, (40, 30, 10), 9800),
    Subject(1152, "Наушники", "Техника", "one", False, 12.5, (990, 7990), 0.3, (18, 12, 6), 5900),
    Subject(3563, "Свечи", "Дом", "one", False, 18.0, (250, 990), 0.4, (10, 10, 12), 5200),
)
BRAND_WORDS = ("Nord", "Casa", "Linen", "Bright", "Green", "Handmade", "Urban", "Soft")
COLOURS = ("белый", "чёрный", "серый", "бежевый", "синий", "зелёный", "красный", "голубой")
DESCRIPTIONS = (
    "Аккуратные швы и плотный материал.",
    "Подходит для ежедневного использования.",
    "Обновлённое описание: уточнён состав и уход.",
    "Бережная упаковка, быстрая отправка.",
    "Проверено покупателями: соответствует размеру.",
)


@dataclass(frozen=True, slots=True)
class Size:
    chrt_id: int
    tech_size: str
    wb_size: str
    barcode: str
    index: int


@dataclass(frozen=True)
class Product:
    index: int
    nm_id: int
    imt_id: int
    subject: Subject
    brand: str
    vendor_code: str
    title: str
    colour: str
    sizes: tuple[Size, ...]
    created_ts: int
    trashed_ts: int | None
    base_price: int  # roubles
    price_period: int
    price_phase: int
    edit_period: int
    edit_phase: int
    photo_count: int
    has_video: bool
    needs_kiz: bool
    wholesale_quantum: int  # 0: not sold wholesale
    bad_turnover: bool
    tag_ids: tuple[int, ...]
    seed: int

    @property
    def sellable(self) -> bool:
        """Whether it ever sells: products bound for the trash never do."""
        return self.trashed_ts is None

    def exists_at(self, ts: float) -> bool:
        return self.created_ts <= ts and (self.trashed_ts is None or ts < self.trashed_ts)

    # --- Card edits ---------------------------------------------------------------------

    def version_at(self, ts: float) -> int:
        """How many times the card has been edited by `ts`."""
        first = self.created_ts + self.edit_phase
        return 0 if ts < first else int((ts - first) // self.edit_period) + 1

    def updated_us(self, version: int) -> int:
        """The card's `updatedAt` at a version, in microseconds (WB sends a fraction)."""
        if version == 0:
            seconds = self.created_ts
        else:
            seconds = self.created_ts + self.edit_phase + (version - 1) * self.edit_period
        return seconds * 1_000_000 + mix(self.seed, EDIT, version) % 1_000_000

    # --- Prices -------------------------------------------------------------------------

    def price_epoch(self, ts: float) -> int:
        first = self.created_ts + self.price_phase
        return 0 if ts < first else int((ts - first) // self.price_period) + 1

    def price(self, epoch: int, size: Size) -> int:
        """The size's price in roubles during `epoch`."""
        drift = 0.85 + 0.3 * unit(mix(self.seed, PRICE, epoch))
        price = max(100, round(self.base_price * drift / 10) * 10)
        if self.subject.editable_size_price:
            price += size.index * max(10, round(price * 0.04 / 10) * 10)
        return price

    def discount(self, epoch: int) -> int:
        return DISCOUNTS[mix(self.seed, DISCOUNT, epoch) % len(DISCOUNTS)]

    def club_discount(self, epoch: int) -> int:
        return CLUB_DISCOUNTS[mix(self.seed, CLUB, epoch) % len(CLUB_DISCOUNTS)]

    # --- Card content -------------------------------------------------------------------

    @cached_property
    def nm_uuid(self) -> str:
        return str(uuid.UUID(int=mix(self.seed, 1) << 64 | mix(self.seed, 2), version=4))

    def photo_urls(self, version: int) -> list[dict[str, str]]:
        count = self.photo_count + (version % 3 if self.photo_count else 0)
        host = PHOTO_HOST.format(basket=1 + self.nm_id % 20)
        vol, part = self.nm_id // 100_000, self.nm_id // 1000
        folder = f"{host}/vol{vol}/part{part}/{self.nm_id}/images"
        return [
            {size: f"{folder}/{size}/{n}.webp" for size in PHOTO_SIZES} for n in range(1, count + 1)
        ]

    def description(self, version: int) -> str:
        sentence = DESCRIPTIONS[mix(self.seed, EDIT, version, 7) % len(DESCRIPTIONS)]
        return f"{self.title}. Цвет: {self.colour}. {sentence}"


class Catalogue:
    def __init__(self, seed: int, products: int, history_start_ts: int) -> None:
        self.seed = seed
        self.count = products
        self.history_start_ts = history_start_ts
        self.nm_base = 100_000_000 + mix(seed, PRODUCT, 1) % 300_000_000
        self.imt_base = 50_000_000 + mix(seed, PRODUCT, 2) % 300_000_000
        self.chrt_base = 200_000_000 + mix(seed, PRODUCT, 3) % 1_000_000_000
        self.barcode_base = mix(seed, PRODUCT, 4) % 10**10
        self.vendor_prefix = "".join(chr(97 + mix(seed, PRODUCT, 5, n) % 26) for n in range(3))
        self.brands = tuple(
            f"{BRAND_WORDS[mix(seed, PRODUCT, 6, n) % len(BRAND_WORDS)]} {n + 1}"
            for n in range(1 + mix(seed, PRODUCT, 7) % 3)
        )
        self.first_new = (products * 9 + 9) // 10  # products from here on appear later
        self._products: dict[int, Product] = {}

    def product(self, index: int) -> Product:
        found = self._products.get(index)
        if found is None:
            found = self._products[index] = self._make(index)
        return found

    def products(self) -> list[Product]:
        return [self.product(i) for i in range(self.count)]

    def by_nm_id(self, nm_id: int) -> Product | None:
        index = nm_id - self.nm_base
        return self.product(index) if 0 <= index < self.count else None

    def by_chrt_id(self, chrt_id: int) -> tuple[Product, Size] | None:
        index, j = divmod(chrt_id - self.chrt_base, MAX_SIZES)
        if not 0 <= index < self.count:
            return None
        product = self.product(index)
        return (product, product.sizes[j]) if j < len(product.sizes) else None

    @cached_property
    def _sellable(self) -> tuple[list[int], list[int]]:
        """Indexes of the products that sell, in order of appearance, and when they appear."""
        order = sorted((p.created_ts, p.index) for p in self.products() if p.sellable)
        return [ts for ts, _ in order], [index for _, index in order]

    def pick_sellable(self, ts: float, draw: float) -> Product | None:
        """A product on sale at `ts`, chosen by `draw` in [0, 1)."""
        times, indexes = self._sellable
        available = bisect.bisect_right(times, ts)
        return self.product(indexes[int(draw * available)]) if available else None

    def _make(self, index: int) -> Product:
        seed = mix(self.seed, PRODUCT, index)
        draws = [mix(seed, n) for n in range(16)]
        subject = SUBJECTS[draws[0] % len(SUBJECTS)]
        colour = COLOURS[draws[1] % len(COLOURS)]
        run = SIZE_RUNS[subject.sizes]
        first = draws[2] % max(1, len(run) - 1) if len(run) > 2 else 0
        count = len(run) if len(run) == 1 else 1 + draws[3] % (len(run) - first)
        sizes = tuple(self._size(index, j, *run[first + j]) for j in range(count))
        created = self._created_ts(index, draws[4])
        low, high = subject.price_range
        return Product(
            index=index,
            nm_id=self.nm_base + index,
            imt_id=self.imt_base + index // 2,
            subject=subject,
            brand=self.brands[draws[5] % len(self.brands)],
            vendor_code=f"{self.vendor_prefix}-{index:05d}-{colour[:3]}",
            title=f"{subject.name} {colour}",
            colour=colour,
            sizes=sizes,
            created_ts=created,
            trashed_ts=created + (20 + draws[6] % 80) * DAY if draws[7] % 30 == 0 else None,
            base_price=low + draws[8] % (high - low + 1),
            price_period=(5 + draws[9] % 26) * DAY,
            price_phase=(1 + draws[10] % 30) * DAY + draws[10] % DAY,
            edit_period=(7 + draws[11] % 40) * DAY,
            edit_phase=(1 + draws[12] % 40) * DAY + draws[12] % DAY,
            photo_count=0 if draws[13] % 20 == 0 else 1 + draws[13] % 5,
            has_video=draws[14] % 4 == 0,
            needs_kiz=subject.sizes == "shoes",
            wholesale_quantum=(5 + draws[15] % 20) if draws[15] % 7 == 0 else 0,
            bad_turnover=draws[15] % 11 == 0,
            tag_ids=tuple(sorted({draws[14] % 6, draws[13] % 6}))[: 1 + draws[9] % 2],
            seed=seed,
        )

    def _created_ts(self, index: int, draw: int) -> int:
        if index < self.first_new:
            return self.history_start_ts - (30 + draw % 400) * DAY - draw % DAY
        return self.history_start_ts + (index - self.first_new + 1) * NEW_PRODUCT_SPACING

    def _size(self, index: int, j: int, tech_size: str, wb_size: str) -> Size:
        number = index * MAX_SIZES + j
        return Size(
            chrt_id=self.chrt_base + number,
            tech_size=tech_size,
            wb_size=wb_size,
            barcode=self._barcode(number),
            index=j,
        )

    def _barcode(self, number: int) -> str:
        """An EAN-13 in the 20–29 in-store range, with its check digit."""
        body = f"20{(self.barcode_base + number) % 10**10:010d}"
        total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body))
        return body + str((10 - total % 10) % 10)

    def tag(self, tag_id: int) -> dict:
        return {
            "id": 100_000 + mix(self.seed, PRODUCT, 8) % 800_000 + tag_id,
            "name": TAG_NAMES[tag_id],
            "color": TAG_COLORS[tag_id],
        }
