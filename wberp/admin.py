"""What the project adds to every ModelAdmin, its own and third-party ones alike."""

from datetime import UTC, datetime

from django.contrib.admin import DateFieldListFilter, FieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class BoundedDateFieldListFilter(DateFieldListFilter):
    """Django's date filter, with a hand-typed date (`?created_at__gte=2026-01-01`) read in the
    site's time zone, and one that cannot be put there (year 1, which in Moscow starts before
    the calendar does) refused as a bad lookup, as the changelist does any other, instead of
    overflowing into a server error."""

    def queryset(self, request, queryset):
        if isinstance(self.field, models.DateTimeField):
            self.used_parameters = {
                name: self.aware(values) if name in self.bounds else values
                for name, values in self.used_parameters.items()
            }
        return super().queryset(request, queryset)

    @property
    def bounds(self) -> tuple[str, str]:
        return (self.lookup_kwarg_since, self.lookup_kwarg_until)

    def aware(self, values: list | str) -> list[datetime]:
        return [self.moment(value) for value in ([values] if isinstance(values, str) else values)]

    def moment(self, value: str) -> datetime:
        try:
            moment = self.field.to_python(value)
            moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
            return moment.astimezone(UTC)  # as the database gets it
        except (ValidationError, OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc


def register_list_filters() -> None:
    FieldListFilter.register(
        lambda field: isinstance(field, models.DateField),
        BoundedDateFieldListFilter,
        take_priority=True,
    )
