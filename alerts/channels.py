"""Sending a notification by e-mail or to a webhook. Either raises DeliveryFailed, whose
reason is safe to store and show: never the address (a bridge's URL often holds its bot's
token) nor the signing secret."""

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from .messages import message_for
from .models import Channel, Delivery, Notification

SIGNATURE_HEADER = "X-Wberp-Signature"
TIMESTAMP_HEADER = "X-Wberp-Timestamp"
WEBHOOK_TIMEOUT = 10.0
WEBHOOK_SCHEMES = ["http", "https"]


class DeliveryFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def deliver(delivery: Delivery) -> None:
    """Send it by its channel, in the site's language (recipients are not asked theirs)."""
    with translation.override(settings.LANGUAGE_CODE):
        if delivery.channel == Channel.EMAIL:
            send_email(delivery.notification)
        else:
            send_webhook(delivery.notification)


def absolute(path: str) -> str:
    """A link into wberp, when ALERTS_SITE_URL says where it is served."""
    base = settings.ALERTS_SITE_URL.rstrip("/")
    return f"{base}{path}" if base else path


def send_email(notification: Notification) -> None:
    address = notification.user.email
    if not address:
        raise DeliveryFailed("the user has no e-mail address")
    message = message_for(notification.state)
    body = f"{message.text}\n\n{absolute(message.path)}\n"
    try:
        send_mail(f"[wberp] {message.title}", body, None, [address])
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"mail server: {type(exc).__name__}") from None


def webhook_payload(notification: Notification) -> dict:
    state, message = notification.state, message_for(notification.state)
    return {
        "id": notification.pk,
        "rule": state.rule,
        "subject": state.subject,
        "seller": state.seller.sid if state.seller_id else None,
        "title": message.title,
        "text": message.text,
        "url": absolute(message.path),
        "fired_at": state.fired_at.isoformat(),
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>" keyed by the user's webhook secret, in hex."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def is_webhook_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in WEBHOOK_SCHEMES and bool(parts.hostname)


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: it could lead the signed alert anywhere."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(RefuseRedirects)


def send_webhook(notification: Notification) -> None:
    alert_settings = getattr(notification.user, "alert_settings", None)
    url = alert_settings.webhook_url if alert_settings else ""
    if not is_webhook_url(url):
        raise DeliveryFailed("no http(s) webhook address is set")
    body = json.dumps(webhook_payload(notification), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked to be http(s) above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "wberp-alerts",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(alert_settings.webhook_secret, timestamp, body),
        },
    )
    try:
        with OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except TimeoutError:
        raise DeliveryFailed("timeout") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"connection failed: {type(reason).__name__}") from None
