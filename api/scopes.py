"""What an API token may do: read or write per area, within its owner's permissions.

An area is an app whose permissions the API checks; "read" covers its `view_` permissions,
"write" every other one. A call needs both the permission and the token's scope for it.
"""

from django.utils.translation import gettext_lazy as _

AREAS = {
    "tokens": _("WB tokens"),
    "sellers": _("Seller cabinets"),
    "sales": _("Orders and sales"),
    "catalog": _("Catalogue"),
    "finance": _("Finance"),
    "sync": _("Sync"),
}
MODES = {"read": _("read"), "write": _("write")}
ALL_SCOPES = [f"{area}:{mode}" for area in AREAS for mode in MODES]


def scope_for(permission: str) -> str:
    """ "tokens.view_wbtoken" -> "tokens:read"; "tokens.check_wbtoken" -> "tokens:write"."""
    area, _dot, codename = permission.partition(".")
    return f"{area}:{'read' if codename.startswith('view_') else 'write'}"


def scopes_of(user) -> list[str]:
    """The scopes `user` holds some permission for, in ALL_SCOPES order."""
    held = {scope_for(permission) for permission in user.get_all_permissions()}
    return [scope for scope in ALL_SCOPES if scope in held]


def scope_label(scope: str) -> str:
    area, _colon, mode = scope.partition(":")
    return f"{AREAS[area]}: {MODES[mode]}"
