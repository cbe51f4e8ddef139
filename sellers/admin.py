"""Seller cabinets in the admin: made from tokens and WB's seller-info, so read-only here."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from access.admin_scope import CabinetScopedAdmin

from .models import Seller


@admin.register(Seller)
class SellerAdmin(CabinetScopedAdmin):
    cabinet_area = None  # a cabinet is listed for whoever sees it in any area
    cabinet_field = "pk"
    list_display = ["display_name", "trade_mark", "tin", "sid", "token_count", "info_checked_at"]
    search_fields = ["name", "trade_mark", "tin", "=sid"]
    readonly_fields = [
        "sid",
        "oid",
        "name",
        "tin",
        "trade_mark",
        "country",
        "info_checked_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(token_total=Count("tokens"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a cabinet comes with its first token

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, seller: Seller) -> str:
        return seller.display_name

    @admin.display(description=_("tokens"), ordering="token_total")
    def token_count(self, seller: Seller) -> int:
        return seller.token_total
