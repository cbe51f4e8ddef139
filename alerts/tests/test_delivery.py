"""E-mail and webhook deliveries: signed, retried with backoff, never leaking a secret."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from alerts.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER
from alerts.models import AlertSettings, Delivery, Rule
from alerts.services import ATTEMPT_LEASE, MAX_ATTEMPTS, alerts_evaluate, deliveries_send_due

from .conftest import START

pytestmark = pytest.mark.django_db


@pytest.fixture
def fired(owner, subscribe, token_expiring):
    """The 3-day alert of one token fired for `owner`, to deliver by `channels`."""

    def fire(*channels: str, webhook_url: str = "") -> list[Delivery]:
        subscribe(owner, Rule.TOKEN_EXPIRING_3, channels=channels, webhook_url=webhook_url)
        token_expiring(2, name="Main shop")
        with time_machine.travel(START, tick=False):
            alerts_evaluate()
        return list(Delivery.objects.order_by("pk"))

    return fire


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does: recompute the signature of "<timestamp>.<body>" and compare."""
    expected = hmac.new(
        secret.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers[SIGNATURE_HEADER], f"sha256={expected}")


def test_an_email_names_the_token_the_date_and_links_to_it(fired, owner, settings):
    settings.ALERTS_SITE_URL = "https://erp.example.com/"
    fired("email")
    assert deliveries_send_due() == {"sent": 1, "retry": 0, "failed": 0}
    (message,) = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "[wberp] A token expires within 3 days"
    assert (
        "The token “Main shop” of Cabinet of Main shop expires on March 4, 2026 — create"
        in message.body
    )
    assert "https://erp.example.com/tokens/" in message.body
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert deliveries_send_due() == {"sent": 0, "retry": 0, "failed": 0}  # sent once


def test_mail_is_written_in_the_sites_language(fired, settings):
    settings.LANGUAGE_CODE = "ru"
    fired("email")
    deliveries_send_due()
    (message,) = mail.outbox
    assert message.subject == "[wberp] Токен истекает в течение 3 дней"
    assert (
        "Токен «Main shop» кабинета Cabinet of Main shop истекает 4 марта 2026 г. — создайте"
        in message.body
    )


def test_a_webhook_post_is_signed_and_verifiable(fired, owner, receiver):
    fired("webhook", webhook_url=receiver.url())
    assert deliveries_send_due()["sent"] == 1
    (request,) = receiver.requests
    secret = AlertSettings.objects.get(user=owner).webhook_secret
    assert verify(secret, request["headers"], request["body"])
    assert abs(int(request["headers"][TIMESTAMP_HEADER]) - time.time()) < 60
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(request["body"])
    assert payload["rule"] == "token_expiring_3"
    assert payload["title"] == "A token expires within 3 days"
    assert "Main shop" in payload["text"]
    assert secret not in request["body"].decode()
    # A body changed on the way no longer matches.
    assert not verify(secret, request["headers"], request["body"].replace(b"Main", b"Evil"))


def test_a_failing_receiver_is_retried_with_growing_waits_then_given_up(fired, receiver, caplog):
    receiver.status = 503
    fired("webhook", webhook_url=receiver.url("/hook?bot=SECRET-BOT-TOKEN"))
    now = timezone.now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            outcome = deliveries_send_due()
        delivery = Delivery.objects.get()
        assert delivery.attempts == attempt
        assert delivery.last_error == "HTTP 503"
        if attempt < MAX_ATTEMPTS:
            assert outcome == {"sent": 0, "retry": 1, "failed": 0}
            waits.append(delivery.next_attempt_at - now)
            with time_machine.travel(now, tick=False):  # not before its time
                assert deliveries_send_due() == {"sent": 0, "retry": 0, "failed": 0}
            now = delivery.next_attempt_at
    assert outcome == {"sent": 0, "retry": 0, "failed": 1}
    assert delivery.status == Delivery.Status.FAILED
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=6)
    assert "SECRET-BOT-TOKEN" not in caplog.text


def test_a_receiver_that_recovers_gets_the_alert_on_the_next_try(fired, receiver):
    receiver.status = 500
    fired("webhook", webhook_url=receiver.url())
    assert deliveries_send_due()["retry"] == 1
    receiver.status = 204
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert deliveries_send_due()["sent"] == 1
    assert len(receiver.requests) == 2
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_redirect_is_not_followed(fired, receiver):
    receiver.status = 302
    receiver.headers = {"Location": receiver.url("/elsewhere")}
    fired("webhook", webhook_url=receiver.url())
    deliveries_send_due()
    assert [request["path"] for request in receiver.requests] == ["/hook"]
    assert Delivery.objects.get().last_error == "HTTP 302"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "gopher://x", "javascript:alert(1)", "http://"],
)
def test_a_stored_address_that_is_not_http_is_never_opened(fired, owner, url):
    fired("webhook", webhook_url="http://placeholder.test/")
    AlertSettings.objects.filter(user=owner).update(webhook_url=url)
    deliveries_send_due()
    delivery = Delivery.objects.get()
    assert delivery.last_error == "no http(s) webhook address is set"
    assert url not in delivery.last_error


def test_a_receiver_that_is_down_is_a_connection_failure_without_the_address(fired, receiver):
    url = receiver.url("/hook?key=SECRET")
    receiver.stop()
    fired("webhook", webhook_url=url)
    deliveries_send_due()
    error = Delivery.objects.get().last_error
    assert error.startswith("connection failed")
    assert "SECRET" not in error and "127.0.0.1" not in error


def test_a_user_without_an_address_is_told_in_the_record(fired, owner):
    owner.email = ""
    owner.save()
    fired("email")
    deliveries_send_due()
    assert Delivery.objects.get().last_error == "the user has no e-mail address"
    assert mail.outbox == []


def test_a_mail_server_failure_is_retried(fired, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("alerts.channels.send_mail", refuse)
    fired("email")
    assert deliveries_send_due()["retry"] == 1
    assert Delivery.objects.get().last_error == "mail server: SMTPServerDisconnected"


def test_a_try_lost_with_its_worker_is_made_again_after_the_lease(fired, monkeypatch):
    from alerts import services

    fired("email")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        claimed = services.claim_due(now)  # the worker dies before sending
    assert len(claimed) == 1
    with time_machine.travel(now + ATTEMPT_LEASE - timedelta(seconds=1), tick=False):
        assert deliveries_send_due()["sent"] == 0  # another worker leaves it alone meanwhile
    with time_machine.travel(now + ATTEMPT_LEASE, tick=False):
        assert deliveries_send_due()["sent"] == 1
    assert len(mail.outbox) == 1


def test_a_report_alert_says_what_does_not_add_up_and_links_to_the_report():
    from datetime import date

    from alerts.messages import message_for
    from alerts.models import AlertState

    state = AlertState(
        rule=Rule.REPORT_UNRECONCILED,
        subject="7",
        fired_at=START,
        details={
            "report_id": 555,
            "sid": "seller-sid",
            "seller": "ООО Ромашка",
            "date_from": date(2026, 2, 23).isoformat(),
            "date_to": date(2026, 3, 1).isoformat(),
            "totals_ok": False,
            "not_in_sales": 2,
            "not_in_report": 1,
        },
    )
    message = message_for(state)
    assert message.title == "A finance report does not reconcile"
    assert message.text == (
        "The finance report 555 of ООО Ромашка (Feb. 23, 2026 – March 1, 2026) does not add up: "
        "its rows differ from its totals; 2 of its sales are missing from the stored sales; "
        "1 stored sale is missing from it."
    )
    assert message.path == "/sellers/seller-sid/finance/555/"
