"""Which of a cabinet's WB data its tokens let wberp read.

Each WB category a sync needs, and what it brings; a cabinet covers a category when one of its
tokens may read it now (WBToken.usable_for).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tokens.presentation import category_label

# WB category -> the data wberp reads with it.
DATA_CATEGORIES = {
    "content": _("product cards"),
    "prices": _("prices and discounts"),
    "marketplace": _("your warehouses and their stocks"),
    "analytics": _("stocks on WB's warehouses"),
    "statistics": _("orders and sales"),
    "finance": _("finance reports"),
}


@dataclass(frozen=True)
class Coverage:
    category: str
    covered: bool

    @property
    def label(self) -> str:
        return category_label(self.category)

    @property
    def data(self) -> str:
        return str(DATA_CATEGORIES[self.category])


def coverage_of(tokens) -> list[Coverage]:
    """For each category wberp syncs, whether one of these tokens may read it now."""
    tokens = list(tokens)
    return [
        Coverage(category, any(token.usable_for(category) for token in tokens))
        for category in DATA_CATEGORIES
    ]
