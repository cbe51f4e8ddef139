"""Admin pages of cabinet data, narrowed to the cabinets the reader may see.

A ModelAdmin of rows that belong to a cabinet mixes in CabinetScopedAdmin and says which
area they are (`cabinet_area`) and how a row reaches its cabinet (`cabinet_field`). Its
changelist, search, filters' counts, actions and autocomplete then read only those rows; an
object of another cabinet answers 404, as a missing one does; one the reader may only read
is shown read-only and cannot be deleted.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from sellers.models import Seller

from .models import Area
from .selectors import may_access, scoped


class CabinetScopedAdmin(admin.ModelAdmin):
    cabinet_area: Area | None = None  # None: the cabinet is seen in any area
    cabinet_field = "seller"  # the rows' path to their cabinet; "pk" for Seller itself

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope(super().get_queryset(request), request)

    def scope(self, queryset: QuerySet, request: HttpRequest, *, change: bool = False):
        return scoped(
            queryset,
            request.user,
            self.cabinet_area,
            change=change,
            seller_field=self.cabinet_field,
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Staff without the model's permissions are refused alike for any object id.
        permitted = self.has_view_or_change_permission(request)
        if not (permitted or self.has_delete_permission(request)):
            raise PermissionDenied
        found = super().get_object(request, object_id, from_field)
        if found is None:  # not stored, or of a cabinet the reader does not see
            raise Http404
        return found

    def cabinet_of(self, obj: Model) -> Seller | None:
        if self.cabinet_field == "pk":
            return obj
        for name in self.cabinet_field.split("__"):
            obj = getattr(obj, name)
            if obj is None:
                return None
        return obj

    def may_change(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return True
        return may_access(request.user, self.cabinet_of(obj), self.cabinet_area, change=True)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_change(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, self.scope(queryset, request, change=True))
