"""Reading a file of cost prices (CSV or XLSX) into rows, each with its problems, before
anything is saved.

The file's first non-empty row names the columns (in English or Russian, any case):
vendor code, size, barcode, valid from, cost; size and barcode may be left out. A file is
refused whole when it cannot be read safely or its columns are wrong; otherwise every row is
checked and each problem named, so that the preview can list them all at once:

- CSV: UTF-8 (with or without a BOM) or Windows-1251, separated by `;`, `,` or tabs (the
  one the header row has most of).
- XLSX: the first sheet, read row by row (openpyxl's read-only mode). Before it is opened,
  the zip's directory is checked: the parts may not unpack to more than
  COST_UPLOAD_MAX_UNPACKED_BYTES, nor any part to more than MAX_RATIO times its packed size
  (a zip bomb). A formula is never evaluated: a cell holding one is refused as a value, as is
  a CSV cell that starts with "=".
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The columns and the names each is known by in a file's header (compared in lower case).
COLUMNS = {
    "vendor_code": ("vendor code", "vendor_code", "артикул продавца", "артикул"),
    "tech_size": ("size", "tech_size", "размер"),
    "barcode": ("barcode", "баркод", "штрихкод"),
    "valid_from": ("valid from", "valid_from", "действует с"),
    "cost": ("cost", "cost price", "себестоимость"),
}
REQUIRED = ("vendor_code", "valid_from", "cost")
COLUMN_LABELS = {
    "vendor_code": gettext_lazy("vendor code"),
    "tech_size": gettext_lazy("size"),
    "barcode": gettext_lazy("barcode"),
    "valid_from": gettext_lazy("valid from"),
    "cost": gettext_lazy("cost"),
}
# A part of an XLSX that unpacks to more than this many times its packed size is refused.
MAX_RATIO = 200
MAX_PARTS = 1_000
# The largest cost taken (CostPrice.cost has 12 digits before the point).
MAX_COST = Decimal("999999999999.99")
KOPECK = Decimal("0.01")
EARLIEST = date(2000, 1, 1)
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
DELIMITERS = (";", "\t", ",")  # on a tie, the first: ";" is Russian Excel's
TEXT_MAX = {"vendor_code": 255, "tech_size": 100, "barcode": 64}
# A column's parser: the cell's value as the row keeps it, or ValueError naming the problem.
Parser = Callable[[object], object]


class FileRefused(Exception):
    """The file as a whole cannot be taken; the message says why, in the reader's words."""


class Formula(str):
    """A cell's formula, as its text: never evaluated, refused as a value. A file's other
    cells are their values as they are (str, int, float, date, datetime or None): a file of
    100,000 rows has half a million of them."""


Row = list[object]


@dataclass(slots=True)
class UploadRow:
    line: int  # the file's row number, as a spreadsheet shows it
    vendor_code: str = ""
    tech_size: str = ""
    barcode: str = ""
    valid_from: date | None = None
    cost: Decimal | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.vendor_code, self.tech_size, self.barcode, self.valid_from)


@dataclass(frozen=True)
class Catalogue:
    """What a cabinet's catalogue knows, to check a row's vendor code, size and barcode."""

    sizes: dict[str, set[str]]  # vendor code -> its sizes
    barcodes: dict[str, str]  # barcode -> its vendor code


def file_rows(name: str, content: bytes) -> Iterator[Row]:
    """The file's rows of cell values, by its kind; FileRefused for a file that is not one."""
    if len(content) > settings.COST_UPLOAD_MAX_BYTES:
        raise FileRefused(too_large())
    kind = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if kind == "xlsx":
        return xlsx_rows(content)
    if kind in ("csv", "txt"):
        return csv_rows(content)
    raise FileRefused(_("Upload a CSV or an XLSX file (an .xls file: save it as XLSX first)."))


def too_large() -> str:
    return _("The file is larger than %(size)s.") % {
        "size": filesizeformat(settings.COST_UPLOAD_MAX_BYTES)
    }


def csv_rows(content: bytes) -> Iterator[Row]:
    text = decoded(content)
    header = text.lstrip().split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=header.count)  # the header's most frequent one
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [Formula(value) if value.lstrip().startswith("=") else value for value in values]


def decoded(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise FileRefused(_("The file is not a CSV text file."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")


def xlsx_rows(content: bytes) -> Iterator[Row]:
    """The first sheet's rows, once the zip's directory says it is safe to open."""
    from openpyxl import load_workbook  # only an XLSX upload needs it

    archive = checked_zip(content)
    archive.close()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows():
            yield [Formula(cell.value) if cell.data_type == "f" else cell.value for cell in row]
    finally:
        workbook.close()


def checked_zip(content: bytes) -> zipfile.ZipFile:
    """The XLSX's zip, if its parts' declared sizes are within the limits (zipfile never
    unpacks a part beyond its declared size)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise FileRefused(_("The file is not an XLSX workbook.")) from error
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    too_packed = any(part.file_size > MAX_RATIO * max(part.compress_size, 1) for part in parts)
    if len(parts) > MAX_PARTS or unpacked > settings.COST_UPLOAD_MAX_UNPACKED_BYTES or too_packed:
        archive.close()
        raise FileRefused(
            _("The workbook would unpack to too much data for its size; it was not opened.")
        )
    return archive


# --- Rows -------------------------------------------------------------------------------------


def header_columns(cells: Row) -> list[str | None]:
    """The column each header cell names (None for an empty one); FileRefused for unknown,
    repeated or missing columns."""
    names = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
    columns: list[str | None] = []
    for cell in cells:
        text = " ".join(str(cell or "").split()).lower()
        if not text:
            columns.append(None)
            continue
        if text not in names:
            raise FileRefused(unknown_column(text))
        if names[text] in columns:
            raise FileRefused(_("The column “%(name)s” is there twice.") % {"name": text})
        columns.append(names[text])
    missing = [str(COLUMN_LABELS[c]) for c in REQUIRED if c not in columns]
    if missing:
        raise FileRefused(
            _("Columns missing: %(missing)s. %(expected)s")
            % {"missing": ", ".join(missing), "expected": expected_columns()}
        )
    return columns


def unknown_column(text: str) -> str:
    return _("Unknown column “%(name)s”. %(expected)s") % {
        "name": text,
        "expected": expected_columns(),
    }


def expected_columns() -> str:
    return _("The columns are: vendor code, size (optional), barcode (optional), valid from, cost.")


def read_rows(cells: Iterable[Row], catalogue: Catalogue) -> list[UploadRow]:
    """Every row of the file after its header, checked; FileRefused for a file without a
    header or rows, or with more rows than COST_UPLOAD_MAX_ROWS."""
    limit = settings.COST_UPLOAD_MAX_ROWS
    fields: list[Field] | None = None
    rows: list[UploadRow] = []
    seen: dict[tuple, int] = {}
    for line, values in enumerate(cells, start=1):
        if all(blank(cell) for cell in values):
            continue
        if fields is None:
            fields = row_fields(header_columns(values))
            continue
        if len(rows) == limit:
            raise FileRefused(_("The file has more than %(limit)s rows.") % {"limit": limit})
        row = parsed_row(line, values, fields, catalogue)
        key = row.key
        if key in seen and not row.problems:
            row.problems.append(_("The same as row %(line)s.") % {"line": seen[key]})
        seen.setdefault(key, line)
        rows.append(row)
    if not rows:
        raise FileRefused(_("The file has no rows of cost prices."))
    return rows


def blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class Field(NamedTuple):
    """A column as a file has it: where its rows have it (None: nowhere) and its parser."""

    column: str
    position: int | None
    parse: Parser


def row_fields(columns: list[str | None]) -> list[Field]:
    """Each column at its place in the header's `columns`, in COLUMNS' order (the order a
    row's problems are named in), with its parser for this file: its dates are checked
    against today, found once for the whole file."""
    positions = {column: position for position, column in enumerate(columns) if column}
    parsers: dict[str, Parser] = {
        "vendor_code": text_of("vendor_code"),
        "tech_size": text_of("tech_size"),
        "barcode": text_of("barcode"),
        "valid_from": date_parser(timezone.localdate() + timedelta(days=366)),
        "cost": cost_of,
    }
    return [Field(column, positions.get(column), parsers[column]) for column in COLUMNS]


def parsed_row(line: int, values: Row, fields: list[Field], catalogue: Catalogue) -> UploadRow:
    row = UploadRow(line)
    width = len(values)
    for column, position, parse in fields:
        cell = values[position] if position is not None and position < width else None
        if isinstance(cell, Formula):
            row.problems.append(
                _("%(column)s: a formula; give the value itself.")
                % {"column": COLUMN_LABELS[column]}
            )
            continue
        try:
            setattr(row, column, parse(cell))
        except ValueError as problem:
            row.problems.append(f"{COLUMN_LABELS[column]}: {problem}")
    if not row.problems:
        row.problems += catalogue_problems(row, catalogue)
    return row


def text_of(column: str):
    def parse(value) -> str:
        text = "" if value is None else " ".join(str(value).split())
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))  # a barcode typed as a number
        if column == "vendor_code" and not text:
            raise ValueError(_("missing."))
        if len(text) > TEXT_MAX[column]:
            raise ValueError(_("longer than %(limit)s characters.") % {"limit": TEXT_MAX[column]})
        return text

    return parse


def cost_of(value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("missing."))
    if isinstance(value, (bool, date, datetime)):
        raise ValueError(_("not a number."))
    text = str(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        cost = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(text)s” is not a number.") % {"text": str(value)[:40]}) from None
    if not cost.is_finite():
        raise ValueError(_("not a number."))
    if cost < 0:
        raise ValueError(_("negative."))
    if cost > MAX_COST:
        raise ValueError(_("too large."))
    return cost.quantize(KOPECK, rounding=ROUND_HALF_UP)


def date_parser(latest: date) -> Parser:
    """The parser of a file's dates, up to `latest`. A file repeats its dates (there are
    some ten thousand days from EARLIEST to `latest`): each text is parsed once, as
    strptime took half the time of reading a big file."""
    days: dict[str, date] = {}

    def parse(value) -> date:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError(_("missing."))
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            text = str(value).strip()
            day = days.get(text)
            if day is None:
                day = days[text] = parsed_date(text)
        if day < EARLIEST:
            raise ValueError(_("before %(day)s.") % {"day": EARLIEST.isoformat()})
        if day > latest:
            raise ValueError(_("more than a year ahead."))
        return day

    return parse


def parsed_date(text: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(text)s” is not a date (YYYY-MM-DD or DD.MM.YYYY).") % {"text": text[:40]}
    )


def catalogue_problems(row: UploadRow, catalogue: Catalogue) -> list[str]:
    """Whether the row's vendor code, size and barcode are the cabinet's."""
    sizes = catalogue.sizes.get(row.vendor_code)
    if sizes is None:
        return [
            _("No product of this cabinet has the vendor code “%(code)s”.")
            % {"code": row.vendor_code}
        ]
    problems = []
    if row.tech_size and row.tech_size not in sizes:
        problems.append(_("The vendor code has no size “%(size)s”.") % {"size": row.tech_size})
    if row.barcode and catalogue.barcodes.get(row.barcode) != row.vendor_code:
        problems.append(
            _("The barcode %(barcode)s is not one of the vendor code's.") % {"barcode": row.barcode}
        )
    return problems
