"""The catalogue pages' search, filters and sorting, all from the query string.

Values that do not fit are ignored (the rest still apply): a hand-edited or outdated URL shows
a list, never an error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import StockKind
from .selectors import (
    IN_STOCK,
    OUT_OF_STOCK,
    PRODUCT_SORTS,
    STOCK_SORTS,
    ProductFilters,
    StockFilters,
)

ANY = [("", _("Any"))]
QUERY_MAX_LENGTH = 100


def sort_choices(sorts: dict) -> list[tuple[str, str]]:
    return [(key, key) for name in sorts for key in (name, f"-{name}")]


def search_field(placeholder) -> forms.CharField:
    return forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"}
        ),
    )


class QueryForm(forms.Form):
    """What both lists share: a search, choice filters and a sort; an invalid value is left out."""

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def choice_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name, field in self.fields.items()
            if isinstance(field, forms.ChoiceField) and not field.widget.is_hidden
        ]

    def search(self) -> str:
        return " ".join(self.value("q").split())


class ProductListForm(QueryForm):
    q = search_field(_("Vendor code, nmID, barcode, title"))
    brand = forms.ChoiceField(label=_("Brand"), required=False)
    subject = forms.ChoiceField(label=_("Subject"), required=False)
    stock = forms.ChoiceField(
        label=_("Stock"),
        required=False,
        choices=[*ANY, (IN_STOCK, _("In stock")), (OUT_OF_STOCK, _("Out of stock"))],
    )
    sort = forms.ChoiceField(
        required=False, choices=sort_choices(PRODUCT_SORTS), widget=forms.HiddenInput
    )

    def __init__(self, *args, brands: list[str], subjects: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = ANY + [(brand, brand) for brand in brands]
        self.fields["subject"].choices = ANY + [(subject, subject) for subject in subjects]

    def filters(self) -> ProductFilters:
        return ProductFilters(
            query=self.search(),
            brand=self.value("brand"),
            subject=self.value("subject"),
            stock=self.value("stock"),
            sort=self.value("sort") or ProductFilters.sort,
        )


class StockListForm(QueryForm):
    q = search_field(_("Vendor code, nmID, barcode, title"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + StockKind.choices)
    warehouse = forms.TypedChoiceField(
        label=_("Warehouse"), required=False, coerce=int, empty_value=None
    )
    in_stock = forms.ChoiceField(
        label=_("Stock"), required=False, choices=[*ANY, (IN_STOCK, _("In stock"))]
    )
    sort = forms.ChoiceField(
        required=False, choices=sort_choices(STOCK_SORTS), widget=forms.HiddenInput
    )

    def __init__(self, *args, warehouses: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = ANY + [(str(pk), name) for pk, name in warehouses]

    def filters(self) -> StockFilters:
        self.is_valid()
        return StockFilters(
            query=self.search(),
            kind=self.value("kind"),
            warehouse=self.cleaned_data.get("warehouse"),
            in_stock=self.value("in_stock") == IN_STOCK,
            sort=self.value("sort") or StockFilters.sort,
        )
