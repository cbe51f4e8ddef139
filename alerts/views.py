"""The notifications page and each user's alert settings (their own: no model permission)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .forms import IN_APP, AlertSettingsForm
from .messages import message_for
from .selectors import selectable_sellers, unread_count, user_alert_settings, user_notifications
from .services import (
    alert_settings_save,
    notification_mark_read,
    notifications_mark_all_read,
    webhook_secret_rotate,
)

PAGE_SIZE = 25


@never_cache
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    show = "unread" if request.GET.get("show") == "unread" else "all"
    notifications = user_notifications(request.user)
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(notification, message_for(notification.state)) for notification in page]
    context = {"page": page, "rows": rows, "show": show, "unread": unread_count(request.user)}
    return render(request, "alerts/notifications.html", context)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's notification is not found, as one that does not exist.
    notification = get_object_or_404(user_notifications(request.user), pk=pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    if not request.htmx:
        return redirect("alerts:notifications")
    notification.refresh_from_db(fields=["read_at"])
    context = {
        "notification": notification,
        "message": message_for(notification.state),
        "unread": unread_count(request.user),
    }
    return render(request, "alerts/notifications.html#read-row", context)


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Every notification is marked as read."))
    return redirect("alerts:notifications")


def initial_choices(user) -> dict:
    alert_settings = user_alert_settings(user)
    initial = {"webhook_url": alert_settings.webhook_url}
    if alert_settings.pk:
        initial["sellers"] = list(alert_settings.sellers.all())
    for subscription in user.alert_subscriptions.all():
        initial[subscription.rule] = [IN_APP, *subscription.channels]
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def alert_settings(request: HttpRequest) -> HttpResponse:
    sellers = selectable_sellers(request.user)
    if request.method == "POST":
        form = AlertSettingsForm(request.POST, sellers=sellers)
        if form.is_valid():
            alert_settings_save(
                user=request.user,
                webhook_url=form.cleaned_data["webhook_url"],
                sellers=form.cleaned_data["sellers"],
                rules=form.chosen_rules(),
            )
            messages.success(request, _("Your alert settings are saved."))
            return redirect("alerts:settings")
    else:
        form = AlertSettingsForm(initial=initial_choices(request.user), sellers=sellers)
    context = {"form": form, "alert_settings": user_alert_settings(request.user)}
    return render(request, "alerts/settings.html", context)


@require_POST
def webhook_secret_new(request: HttpRequest) -> HttpResponse:
    webhook_secret_rotate(user=request.user)
    messages.success(
        request, _("A new signing secret is made: give it to your webhook's receiver.")
    )
    return redirect("alerts:settings")
