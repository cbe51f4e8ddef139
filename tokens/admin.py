"""The token desk in the Django admin, for power users.

Saving and deleting go through the services, which validate with WB, encrypt
and write the audit trail themselves; the admin's own LogEntry writing is
therefore switched off here, so that each action is logged exactly once.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from access.admin_scope import CabinetScopedAdmin
from access.models import Area
from wbapi.claims import CATEGORY_BITS

from .batches import check_batch_start
from .forms import EXPIRY_CHOICES, NewTokenFields, ReplacementTokenFields, run_service
from .models import EXPIRY_WARNING_DAYS, WBToken, WBTokenCheck
from .pagination import TalliedPaginator
from .presentation import category_label, expiry_text
from .selectors import with_key_id
from .services import token_create, token_delete, token_update

# --- Forms: they validate; WBTokenAdmin.save_model runs the service ------------------------

# Refusals of a service, {field or None: [messages]}, kept on the request between the save
# that met them and the form that shows them.
REFUSALS = "token_admin_refusals"


class TokenAdminForm(forms.ModelForm):
    """A token form that shows what the service refused when its data was last saved."""

    refusals: dict[str | None, list[str]] = {}  # set per request by WBTokenAdmin.get_form

    class Meta:
        model = WBToken
        fields = ["name"]

    def clean(self) -> dict:
        cleaned = super().clean()
        for field, refused in self.refusals.items():
            for message in refused:
                self.add_error(field, message)
        return cleaned


class WBTokenAddAdminForm(NewTokenFields, TokenAdminForm):
    pass


class WBTokenChangeAdminForm(ReplacementTokenFields, TokenAdminForm):
    pass


# --- Changelist filters -------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    title = _("expiry")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return EXPIRY_CHOICES

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.by_expiry(self.value() or "")


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [(name, category_label(name)) for name in CATEGORY_BITS.values()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in CATEGORY_BITS.values():
            return queryset.allowing(self.value())
        return queryset


class ReadOnlyFilter(admin.SimpleListFilter):
    title = _("read-only")
    parameter_name = "read_only"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("0", "1"):
            return queryset.read_only(self.value() == "1")
        return queryset


# --- History ------------------------------------------------------------------------------


class WBTokenCheckInline(admin.TabularInline):
    model = WBTokenCheck
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-checked_at", "-id"]
    fields = readonly_fields = [
        "checked_at",
        "trigger",
        "checked_by",
        "outcome",
        "http_status",
        "duration_ms",
        "request_count",
        "wb_request_id",
        "error",
    ]
    verbose_name_plural = _("check history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("checked_by")

    # The history is part of the token: whoever may see the token sees it; nobody edits it.
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("tokens.view_wbtoken")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("error"))
    def error(self, check: WBTokenCheck) -> str:
        return check.error_message


# The admin's own words for a row's checkbox: a name, not a literal, so that they are not
# extracted into our catalogue and the admin's translates them.
DJANGO_SELECT_FOR_ACTION = "Select this object for an action - {}"


# --- The token admin ----------------------------------------------------------------------


@admin.register(WBToken)
class WBTokenAdmin(CabinetScopedAdmin):
    cabinet_area = Area.TOKENS
    list_display = [
        "short_name",
        "seller_column",
        "token_type",
        "status_badge",
        "expires",
        "categories_count",
        "last_checked_at",
    ]
    list_filter = [
        "status",
        "token_type",
        ReadOnlyFilter,
        "is_test",
        ExpiryFilter,
        CategoryFilter,
    ]
    search_fields = [
        "name",
        "seller__name",
        "seller__trade_mark",
        "seller__tin",
        "=seller__sid",
        "hint",
    ]
    list_select_related = ["seller"]
    show_full_result_count = False
    list_per_page = 50
    paginator = TalliedPaginator
    actions = ["check_selected"]
    inlines = [WBTokenCheckInline]
    summary_fields = [
        "token_type",
        "seller_summary",
        "category_badges",
        "read_only_flag",
        "is_test",
        "expires",
        "status_badge",
        "last_error",
        "last_checked_at",
        "last_used_at",
        "hint",
        "fingerprint_prefix",
        "check_count",
        "failed_check_count",
        "request_count",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = summary_fields

    # The secret and its full fingerprint: a lookup on them in the changelist's query string
    # (`?ciphertext__startswith=v1:a`) would let a viewer learn them a character at a time.
    secret_fields = frozenset({"ciphertext", "fingerprint"})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_key_id(super().get_queryset(request))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup.split(LOOKUP_SEP, 1)[0] in self.secret_fields:
            return False
        return super().lookup_allowed(lookup, value, request)

    # Forms

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = WBTokenChangeAdminForm if obj else WBTokenAddAdminForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.refusals = getattr(request, REFUSALS, {})
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "raw_token", "allow_unverified"]})]
        return [
            (None, {"fields": ["name", "raw_token", "allow_other_seller", "allow_unverified"]}),
            (_("Summary"), {"fields": self.summary_fields}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.summary_fields if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @method_decorator(sensitive_post_parameters("raw_token"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    # Saving: once the form and everything else on the page are valid, a service validates
    # with WB, saves and writes the audit entries. What it refuses is shown on the form.

    @sensitive_variables("data")
    def save_model(self, request, obj: WBToken, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            token = WBToken.objects.get(pk=obj.pk)  # a fresh copy: `obj` holds the form's values
            saved = run_service(form, token_update, token=token, by=request.user, **data)
        else:
            saved = run_service(form, token_create, by=request.user, **data)
        if saved is None:
            setattr(
                request, REFUSALS, {field: list(errors) for field, errors in form.errors.items()}
            )
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        if hasattr(request, REFUSALS):
            return self.changeform_view(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if hasattr(request, REFUSALS):
            return self.changeform_view(request, str(obj.pk))
        return super().response_change(request, obj)

    def save_related(self, request, form, formsets, change) -> None:
        pass

    def construct_change_message(self, request, form, formsets, add=False) -> list:
        return []  # the services wrote the audit entries

    def log_addition(self, request, obj, message):
        pass

    def log_change(self, request, obj, message):
        pass

    def log_deletions(self, request, queryset):
        pass

    def delete_model(self, request, obj: WBToken) -> None:
        token_delete(token=obj, by=request.user)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for token in self.scope(queryset, request, change=True):
            token_delete(token=token, by=request.user)

    # Actions

    def has_check_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tokens.check_wbtoken")

    @admin.action(description=_("Check selected tokens with WB"), permissions=["check"])
    def check_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        """Start the check in the background and show its progress, then its summary."""
        batch = check_batch_start(
            tokens=self.scope(queryset, request, change=True).order_by("name", "pk"),
            by=request.user,
            trigger=WBTokenCheck.Trigger.BULK,
        )
        return HttpResponseRedirect(batch.get_absolute_url())

    # Columns

    def action_checkbox(self, token: WBToken) -> str:
        # Django's own renders a CheckboxInput through the form templates on every row,
        # which costs more than all the other columns together; this is the same markup.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            token.pk,
            format_html(gettext(DJANGO_SELECT_FOR_ACTION), str(token)),
        )

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, token: WBToken) -> str:
        # Cut with "…" by the stylesheet; the whole name on hover.
        return format_html('<span title="{}">{}</span>', token.name, token.name)

    @admin.display(description=_("seller"), ordering="seller__name")
    def seller_column(self, token: WBToken) -> str:
        seller = token.seller
        if seller is None:
            return "—"
        if seller.trade_mark and seller.trade_mark != seller.name:
            return f"{seller.display_name} ({seller.trade_mark})"
        return seller.display_name

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, token: WBToken) -> str:
        return format_html(
            '<span class="wb-badge wb-status-{}" title="{}">{}</span>',
            token.status if token.is_readable else "unreadable",
            token.unreadable_reason,
            token.status_text,
        )

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, token: WBToken) -> str:
        soon = token.days_left() <= EXPIRY_WARNING_DAYS
        return format_html(
            '<span class="{}">{}</span>', "wb-expiry-soon" if soon else "", expiry_text(token)
        )

    @admin.display(description=_("categories"))
    def categories_count(self, token: WBToken) -> int:
        return len(token.categories)

    # Summary

    @admin.display(description=_("seller"))
    def seller_summary(self, token: WBToken) -> str:
        seller = token.seller
        if seller is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a><br>{}: {} · {}: {} · ID: {}',
            seller.get_absolute_url(),
            seller.display_name,
            _("INN"),
            seller.tin or "—",
            _("trade mark"),
            seller.trade_mark or "—",
            seller.sid,
        )

    @admin.display(description=_("categories"))
    def category_badges(self, token: WBToken) -> str:
        return (
            format_html_join(
                " ",
                '<span class="wb-badge">{}</span>',
                ((category_label(name),) for name in token.categories),
            )
            or "—"
        )

    @admin.display(description=_("read-only"), boolean=True)
    def read_only_flag(self, token: WBToken) -> bool:
        return token.read_only

    @admin.display(description=_("last error"))
    def last_error(self, token: WBToken) -> str:
        return token.last_error or "—"

    @admin.display(description=_("fingerprint"))
    def fingerprint_prefix(self, token: WBToken) -> str:
        return token.fingerprint_prefix

    class Media:
        css = {"all": ["css/wberp.css"]}
