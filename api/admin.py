"""API tokens in the admin: who has which, and revoking them. They are made on their page or
with `manage.py api_tokens create`, which show the token once; the admin never can."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import APIToken
from .services import api_token_revoke


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "shown_id", "created_at", "expires_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=public_id", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "shown_id",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = readonly_fields
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is shown only once, where it is made

    @admin.display(description=_("token"))
    def shown_id(self, token: APIToken) -> str:
        return token.shown_id

    @admin.action(description=_("Revoke selected API tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        active = list(queryset.filter(revoked_at=None))
        for token in active:
            api_token_revoke(token=token, by=request.user)
        count = len(active)
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
