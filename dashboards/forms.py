"""The dashboards' period picker: today, the last 7, 30 or 90 Moscow days (today included),
or custom days; and the window days of cover are computed from.

Unlike the list filters, a period that does not fit is an error the page states: the figures
shown are then the default period's, and the message says so.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from wberp.periods import day_field, moscow_today

from .selectors import Period

DEFAULT = "7"
CUSTOM = "custom"
LAST_DAYS = {"today": 1, "7": 7, "30": 30, "90": 90}
PERIODS = [
    ("today", _("Today")),
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    (CUSTOM, _("Custom")),
]
COVER_WINDOWS = [("14", _("14 days")), ("30", _("30 days"))]
# The longest custom period: a year and a day, so that "the same day last year" fits.
MAX_DAYS = 367


def last_days(days: int, today: date) -> Period:
    return Period(today - timedelta(days=days - 1), today)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))
    cover = forms.ChoiceField(
        label=_("Days of cover from the sales of the last"),
        choices=COVER_WINDOWS,
        required=False,
    )

    def __init__(self, data=None, *, today: date | None = None) -> None:
        super().__init__(data)
        self.today = today or moscow_today()

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        custom = data.get("period") == CUSTOM or (not data.get("period") and (first or last))
        if not custom:
            return data
        if first is None or last is None:
            raise forms.ValidationError(_("A custom period needs both its first and last day."))
        if first > last:
            raise forms.ValidationError(_("The period's first day is after its last day."))
        if last > self.today:
            raise forms.ValidationError(_("The period cannot end after today."))
        if (last - first).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("A period can be at most %(days)d days long."), params={"days": MAX_DAYS}
            )
        data["period"] = CUSTOM
        return data

    def chosen(self) -> Period:
        """The period asked for, or the default one when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return last_days(LAST_DAYS[DEFAULT], self.today)
        data = self.cleaned_data
        if data["period"] == CUSTOM:
            return Period(data["date_from"], data["date_to"])
        return last_days(LAST_DAYS[data["period"] or DEFAULT], self.today)

    def cover_days(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data["cover"]:
            return int(self.cleaned_data["cover"])
        return int(COVER_WINDOWS[0][0])

    def problems(self) -> list[str]:
        """What does not fit, in words, each field's errors under its label."""
        return [
            str(error) if name == NON_FIELD_ERRORS else f"{self[name].label}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        ]
