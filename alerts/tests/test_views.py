"""The notifications page and the alert settings: each user's own, staff only."""

import pytest
import time_machine
from django.test import Client

from alerts.models import AlertSettings, AlertSubscription, Notification, Rule
from alerts.services import alerts_evaluate
from conftest import client_for

from .conftest import START

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
SETTINGS = "/notifications/settings/"


@pytest.fixture
def notified(owner, subscribe, token_expiring):
    """Three notifications for `owner` (a token expiring within 3 days)."""
    subscribe(owner)
    token_expiring(2, name="Main <b>shop</b>")
    with time_machine.travel(START, tick=False):
        alerts_evaluate()
    return list(Notification.objects.filter(user=owner).order_by("pk"))


def test_only_staff_reach_the_pages(plain_client):
    for url in (LIST, SETTINGS):
        assert Client().get(url).status_code == 302
        assert plain_client.get(url).status_code == 403


def test_the_list_shows_the_users_own_notifications_unread_first_marked(owner, notified, make_user):
    page = client_for(owner).get(LIST).content.decode()
    assert page.count('class="notification unread"') == 3
    assert "Main &lt;b&gt;shop&lt;/b&gt;" in page and "<b>shop" not in page
    assert 'id="nav-notifications"' in page and '<span class="nav-count">3' in page
    other = client_for(make_user("other", staff=True)).get(LIST).content.decode()
    assert "Main &lt;b&gt;" not in other
    assert "No notifications yet" in other
    assert 'class="nav-count"' not in other


def test_marking_one_read_with_htmx_swaps_its_row_and_the_count(owner, notified):
    client = client_for(owner)
    first = notified[0]
    response = client.post(f"/notifications/{first.pk}/read/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html and "Mark as read" not in html
    assert 'hx-swap-oob="true"' in html and '<span class="nav-count">2' in html
    first.refresh_from_db()
    assert first.read_at is not None
    unread = client.get(LIST + "?show=unread").content.decode()
    assert unread.count('class="notification unread"') == 2


def test_marking_without_javascript_redirects_back(owner, notified):
    response = client_for(owner).post(f"/notifications/{notified[0].pk}/read/")
    assert response.status_code == 302 and response["Location"] == LIST


def test_another_users_notification_is_not_found_and_stays_unread(notified, make_user):
    intruder = client_for(make_user("intruder", staff=True))
    assert intruder.post(f"/notifications/{notified[0].pk}/read/").status_code == 404
    assert intruder.get(f"/notifications/{notified[0].pk}/read/").status_code == 405
    notified[0].refresh_from_db()
    assert notified[0].read_at is None


def test_mark_all_read(owner, notified):
    client = client_for(owner)
    response = client.post("/notifications/read-all/", follow=True)
    assert "Every notification is marked as read." in response.content.decode()
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def settings_form(**overrides) -> dict:
    data = {
        Rule.TOKEN_EXPIRING_14: ["in_app", "email"],
        Rule.TOKEN_FAILING: ["in_app", "webhook"],
        "webhook_url": "https://bridge.example.com/hook",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_settings_are_saved_and_shown_again(owner, token_expiring):
    token = token_expiring(50)
    client = client_for(owner)
    response = client.post(SETTINGS, settings_form(sellers=[token.seller.pk]))
    assert response.status_code == 302
    subscriptions = {s.rule: s.channels for s in AlertSubscription.objects.filter(user=owner)}
    assert subscriptions == {Rule.TOKEN_EXPIRING_14: ["email"], Rule.TOKEN_FAILING: ["webhook"]}
    alert_settings = AlertSettings.objects.get(user=owner)
    assert list(alert_settings.sellers.all()) == [token.seller]
    page = client.get(SETTINGS).content.decode()
    assert 'value="https://bridge.example.com/hook"' in page
    assert alert_settings.webhook_secret in page
    # Unticking every channel of a rule unsubscribes from it.
    client.post(SETTINGS, settings_form(**{Rule.TOKEN_EXPIRING_14: None}))
    assert list(AlertSubscription.objects.filter(user=owner).values_list("rule", flat=True)) == [
        Rule.TOKEN_FAILING
    ]


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "http://", "hook"],
)
def test_an_address_that_is_not_http_is_refused_and_nothing_is_saved(owner, url):
    response = client_for(owner).post(SETTINGS, settings_form(webhook_url=url))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not AlertSettings.objects.filter(user=owner).exists()
    assert not AlertSubscription.objects.exists()


def test_a_webhook_channel_needs_an_address(owner):
    response = client_for(owner).post(SETTINGS, settings_form(webhook_url=""))
    assert "Enter the address the webhook alerts go to." in response.content.decode()


def test_a_cabinet_outside_the_users_view_cannot_be_chosen(owner, token_expiring, monkeypatch):
    import alerts.selectors
    from sellers.models import Seller

    mine, hidden = token_expiring(50, "Mine"), token_expiring(50, "Hidden")
    monkeypatch.setattr(
        alerts.selectors, "visible_sellers", lambda user: Seller.objects.filter(pk=mine.seller_id)
    )
    client = client_for(owner)
    page = client.get(SETTINGS).content.decode()
    assert mine.seller.name in page and hidden.seller.name not in page
    response = client.post(SETTINGS, settings_form(sellers=[hidden.seller.pk]))
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_new_secret_replaces_the_old(owner, subscribe):
    old = subscribe(owner).webhook_secret
    client_for(owner).post("/notifications/settings/secret/")
    assert AlertSettings.objects.get(user=owner).webhook_secret not in ("", old)


def test_the_pages_speak_russian(owner, notified):
    client = client_for(owner)
    client.cookies["django_language"] = "ru"
    assert "Уведомления" in client.get(LIST).content.decode()
    assert "Настройки оповещений" in client.get(SETTINGS).content.decode()
