"""A period of Moscow days picked on a page: the last 7, 30 or 90 days, or from one date to
another. WB's days are Moscow days, whatever the reader's time zone.

Values that do not fit are ignored: a hand-edited URL shows the default period, never an error.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wbapi.moscow import MOSCOW

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
# A custom period longer than this is cut to it, counted back from its last day.
MAX_DAYS = 366


def moscow_today() -> date:
    return timezone.now().astimezone(MOSCOW).date()


@dataclass(frozen=True)
class Period:
    """Moscow days `first` to `last`, both included."""

    first: date
    last: date
    preset: int | None = None  # the number of days of a preset, for the picker

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first day's first moment."""
        return datetime.combine(self.first, time.min, tzinfo=MOSCOW)

    @property
    def end(self) -> datetime:
        """The moment after the last day (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=MOSCOW)


# A day as the browser's date picker gives it, and as it is put back into the field.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def day_field(label) -> forms.DateField:
    """An optional day of a period or filter, picked with the browser's date picker."""
    return forms.DateField(label=label, required=False, widget=DATE_INPUT)


def last_days(days: int, *, today: date | None = None) -> Period:
    last = today or moscow_today()
    return Period(last - timedelta(days=days - 1), last, preset=days)


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Period"), required=False, coerce=int)
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Labelled here, in the request's language: a plural can not wait for it.
        self.fields["days"].choices = [
            (n, ngettext("Last %(days)d day", "Last %(days)d days", n) % {"days": n})
            for n in PRESETS
        ]

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    def period(self) -> Period:
        """The days picked: a preset, else the dates (in either order, at most MAX_DAYS),
        else the last DEFAULT_DAYS days."""
        first, last = self.value("date_from"), self.value("date_to")
        if self.value("days") or not (first or last):
            return last_days(self.value("days") or DEFAULT_DAYS)
        last = last or moscow_today()
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        first, last = sorted((first, last))
        return Period(max(first, last - timedelta(days=MAX_DAYS - 1)), last)
