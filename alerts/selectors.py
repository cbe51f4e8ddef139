"""Alerts' reads, scoped to the user: their notifications, who hears of a condition."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from access.models import Area
from sellers.models import Seller
from sellers.selectors import visible_sellers

from .models import AlertSettings, AlertState, AlertSubscription, Notification
from .rules import AREAS


def user_notifications(user: AbstractBaseUser) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("state")


def unread_count(user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def user_alert_settings(user: AbstractBaseUser) -> AlertSettings:
    """The user's settings as stored, or the defaults (not saved) if they have none yet."""
    return AlertSettings.objects.filter(user=user).first() or AlertSettings(user=user)


def selectable_sellers(user: AbstractBaseUser) -> QuerySet[Seller]:
    return visible_sellers(user).order_by("name", "sid")


def subscribers(state: AlertState) -> list[AlertSubscription]:
    """Subscriptions to the state's rule of active staff who may see its cabinet in the
    rule's area (an accountant given finance hears of reports, not of stocks) and have
    chosen it (or no cabinet at all: all they may see)."""
    subscriptions = AlertSubscription.objects.filter(
        rule=state.rule, user__is_active=True, user__is_staff=True
    ).select_related("user")
    area = AREAS[state.rule]
    return [s for s in subscriptions if concerns(s.user, state.seller_id, area)]


def concerns(user: AbstractBaseUser, seller_id: int | None, area: Area) -> bool:
    if seller_id is None or not visible_sellers(user, area).filter(pk=seller_id).exists():
        return False
    chosen = AlertSettings.sellers.through.objects.filter(alertsettings__user=user)
    return not chosen.exists() or chosen.filter(seller_id=seller_id).exists()
