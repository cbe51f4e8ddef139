"""Pages of a long list without counting it: "previous" and "next", never "page 3 of 4,000".

A catalogue has hundreds of thousands of rows; `COUNT(*)` over them on every page view would
cost more than the page itself. A page reads one row more than it shows, and that row says
whether a next page exists.

A page is read in two steps: first the keys of the page's rows, in the list's order, and only
then the rows themselves with everything they show.
The database then computes a row's expensive columns (a product's price and stock are
subqueries) for the rows shown, not for every row it sorts or skips.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

# A hand-typed ?page=999999999 would make the database skip that many rows: pages stop here.
MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """The page a query string asks for; 1 for anything that is not a page number."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class Page:
    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def offset_page(rows: QuerySet, *, number: int, size: int) -> Page:
    """Page `number` of `rows` in one query, for a list whose rows are cheap to read whole."""
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])
    return Page(number=number, object_list=found[:size], has_next=len(found) > size)


def keyed_page(
    ordered: QuerySet, *, number: int, size: int, load: Callable[[QuerySet], QuerySet]
) -> Page:
    """Page `number` of `ordered`, read as its primary keys; `load` turns a queryset of the
    page's rows into the one that reads them whole. Two queries, whatever the page."""
    start = (number - 1) * size
    keys = list(ordered.values_list("pk", flat=True)[start : start + size + 1])
    shown = keys[:size]
    chosen = ordered.model._default_manager.filter(pk__in=shown).order_by()  # ordered here
    rows = {row.pk: row for row in load(chosen)}
    return Page(
        number=number,
        object_list=[rows[key] for key in shown if key in rows],
        has_next=len(keys) > size,
    )
