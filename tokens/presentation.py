"""Words for what the token desk shows: category names, expiry, errors."""

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

# WB's own names for the token categories, as the seller cabinet shows them.
CATEGORY_LABELS = {
    "content": _("Content"),
    "analytics": _("Analytics"),
    "prices": _("Prices and discounts"),
    "marketplace": _("Marketplace"),
    "statistics": _("Statistics"),
    "promotion": _("Promotion"),
    "feedbacks": _("Questions and reviews"),
    "recommendations": _("Recommendations"),
    "chat": _("Buyer chat"),
    "supplies": _("Supplies"),
    "returns": _("Buyer returns"),
    "documents": _("Documents"),
    "finance": _("Finance"),
}


def category_label(name: str) -> str:
    return str(CATEGORY_LABELS.get(name, name))


def expiry_text(token) -> str:
    """ "in 12 days", "today", "expired 3 days ago" — for a WBToken or anything with days_left()."""
    days = token.days_left()
    if token.is_expired():
        ago = -days
        if ago == 0:
            return str(_("expired today"))
        return ngettext("expired %(days)d day ago", "expired %(days)d days ago", ago) % {
            "days": ago
        }
    if days == 0:
        return str(_("expires today"))
    return ngettext("in %(days)d day", "in %(days)d days", days) % {"days": days}


def seller_named_by_wb(token) -> str:
    """The seller's name as WB's seller-info gave it; "" until then (and for test tokens: the
    sandbox has no seller-info)."""
    return token.seller.name if token.seller_id else ""


def deletion_question(token) -> str:
    """ "Delete the token “Main shop” of ООО Ромашка?" — without a seller if WB named none."""
    if seller := seller_named_by_wb(token):
        return gettext("Delete the token “%(name)s” of %(seller)s?") % {
            "name": token.name,
            "seller": seller,
        }
    return gettext("Delete the token “%(name)s”?") % {"name": token.name}


def status_text(token) -> str:
    """The token's status, or that it cannot be decrypted: then its stored status means
    nothing, since nothing can be sent to WB with it."""
    if token.is_readable:
        return token.get_status_display()
    return gettext("Cannot be decrypted")


def unreadable_reason(token) -> str:
    return gettext(
        "It was encrypted with key %(key)s, which is not in this server's WB_TOKEN_KEYS: "
        "nothing can be sent to WB with it until that key is configured again."
    ) % {"key": token.key_id}


def check_counts_text(token) -> str:
    """ "1 check, 0 failed, 2 requests to WB", each number with its own plural form."""
    return ", ".join(
        [
            ngettext("%(count)d check", "%(count)d checks", token.check_count)
            % {"count": token.check_count},
            ngettext("%(count)d failed", "%(count)d failed", token.failed_check_count)
            % {"count": token.failed_check_count},
            ngettext("%(count)d request to WB", "%(count)d requests to WB", token.request_count)
            % {"count": token.request_count},
        ]
    )
