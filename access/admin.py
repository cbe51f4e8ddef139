"""Who sees which cabinet, in the admin: grants of the cabinets the reader sees.

Saving and deleting go through the services (access.services), which refuse to give more
than the reader holds and write the history entry themselves; the admin's own LogEntry
writing is therefore off here, so that each change is recorded once.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .admin_scope import CabinetScopedAdmin
from .forms import GrantForm
from .models import Area, CabinetGrant
from .services import AccessRefused, grant_delete, may_give

# Refusals met while saving, kept on the request for the form shown again.
REFUSED = "access_grant_refused"


@admin.register(CabinetGrant)
class CabinetGrantAdmin(CabinetScopedAdmin):
    cabinet_area = None  # a grant is shown to whoever sees its cabinet in any area
    cabinet_field = "seller"
    form = GrantForm
    list_display = ["seller", "grantee_column", *Area.values, "updated_at"]
    list_filter = [*Area.values, ("group", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["seller", "user", "group"]
    search_fields = ["seller__name", "seller__trade_mark", "=seller__sid", "user__username"]
    search_help_text = _("Cabinet name, trade mark or seller ID, or a username.")
    list_per_page = 50

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundGrantForm(form):  # the reader is who changes access
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, by=request.user, **form_kwargs)

        return BoundGrantForm

    def get_fields(self, request: HttpRequest, obj=None):
        return Area.values if obj else ["seller", "user", "group", *Area.values]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["seller", "user", "group"] if obj else []

    def may_change(self, request: HttpRequest, obj: CabinetGrant | None) -> bool:
        """A grant the reader sees is theirs to change or take back if they hold at least
        what it gives (the services refuse the rest anyway)."""
        return obj is None or may_give(request.user, obj)

    def save_model(self, request: HttpRequest, obj: CabinetGrant, form, change: bool) -> None:
        saved = form.save()
        if saved is None:  # refused only now, by a change made since the form was checked
            setattr(request, REFUSED, True)
            for message in form.non_field_errors():
                messages.error(request, message)
            return
        obj.pk = saved.pk

    def response_add(self, request: HttpRequest, obj, post_url_continue=None):
        if hasattr(request, REFUSED):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj):
        if hasattr(request, REFUSED):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_related(self, request, form, formsets, change) -> None:
        pass

    def log_addition(self, request, obj, message):
        pass  # the services wrote the history entry

    def log_change(self, request, obj, message):
        pass

    def log_deletions(self, request, queryset):
        pass

    def delete_model(self, request: HttpRequest, obj: CabinetGrant) -> None:
        self.delete_refusing(request, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_refusing(request, queryset.select_related("seller", "user", "group"))

    def delete_refusing(self, request: HttpRequest, grants) -> None:
        """Delete each grant the reader may take back; say which they may not."""
        for grant in grants:
            try:
                grant_delete(by=request.user, grant=grant)
            except AccessRefused as refused:
                messages.error(request, f"{grant}: {refused.message}")

    @admin.display(description=_("user or group"))
    def grantee_column(self, grant: CabinetGrant) -> str:
        return str(grant.grantee)
