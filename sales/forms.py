"""The orders and sales pages' filters, all from the query string.

Values that do not fit are ignored (the rest still apply): a hand-edited or outdated URL
shows a list, never an error. Dates are Moscow days; without them, the last 7 days.
"""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wbapi.moscow import MOSCOW
from wberp.periods import day_field

from .selectors import TradeFilters

DEFAULT_DAYS = 7
TEXT_MAX = 100
ANY = [("", _("Any"))]
ORDER_STATES = [*ANY, ("active", _("Not cancelled")), ("cancelled", _("Cancelled"))]
SALE_STATES = [*ANY, ("sales", _("Sales")), ("returns", _("Returns"))]


def moscow_today() -> date:
    return timezone.now().astimezone(MOSCOW).date()


def search_field(placeholder) -> forms.CharField:
    return forms.CharField(
        label=_("Search"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"}
        ),
    )


class TradeFilterForm(forms.Form):
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))
    warehouse = forms.CharField(label=_("Warehouse"), required=False, max_length=TEXT_MAX)
    region = forms.CharField(label=_("Region"), required=False, max_length=TEXT_MAX)
    state = forms.ChoiceField(label=_("Show"), required=False, choices=ORDER_STATES)

    def value(self, name: str):
        """The field's cleaned value, or nothing when it does not fit."""
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    def text(self, name: str) -> str:
        return " ".join((self.value(name) or "").split())

    def filters(self) -> TradeFilters:
        today = moscow_today()
        date_to = self.value("date_to") or today
        date_from = self.value("date_from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            date_from, date_to = date_to, date_from
        return TradeFilters(
            date_from=date_from,
            date_to=date_to,
            query=self.text("q"),
            warehouse=self.text("warehouse"),
            region=self.text("region"),
            state=self.value("state") or "",
        )


class OrderFilterForm(TradeFilterForm):
    q = search_field(_("srid, vendor code, nmID or barcode"))
    field_order = ["q", "date_from", "date_to", "warehouse", "region", "state"]


class SaleFilterForm(TradeFilterForm):
    q = search_field(_("srid, sale ID, vendor code, nmID or barcode"))
    state = forms.ChoiceField(label=_("Show"), required=False, choices=SALE_STATES)
    field_order = ["q", "date_from", "date_to", "warehouse", "region", "state"]
