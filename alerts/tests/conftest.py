import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone, translation

from alerts.models import AlertSettings, AlertSubscription, Rule
from sellers.models import Seller
from tokens.models import WBToken
from tokens.tests.conftest import bulk_tokens

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 10, 0))


@pytest.fixture(autouse=True)
def english(settings):
    """Pages, mails and webhooks in English unless a test asks for Russian, the default."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def token_expiring():
    """A valid token of a cabinet of its own ("Cabinet of <name>"), expiring `days` after
    START."""

    def make(days: float, name: str = "Main shop") -> WBToken:
        (token,) = bulk_tokens(1)
        WBToken.objects.filter(pk=token.pk).update(
            name=name, expires_at=START + timedelta(days=days)
        )
        Seller.objects.filter(pk=token.seller_id).update(name=f"Cabinet of {name}")
        token.refresh_from_db()
        return token

    return make


@pytest.fixture
def subscribe():
    """Subscribe `user` to `rules` by `channels` (on the page only, if none)."""

    def subscribe(user, *rules: str, channels=(), webhook_url="", sellers=()):
        settings, _created = AlertSettings.objects.get_or_create(user=user)
        settings.webhook_url = webhook_url
        settings.save()
        settings.sellers.set(sellers)
        for rule in rules or Rule.values:
            AlertSubscription.objects.update_or_create(
                user=user,
                rule=rule,
                defaults={"by_email": "email" in channels, "by_webhook": "webhook" in channels},
            )
        return settings

    return subscribe


@pytest.fixture
def owner(make_user):
    user = make_user("owner", staff=True, perms=["access.see_all_cabinets"])
    user.email = "owner@example.com"
    user.save()
    return user


class Receiver:
    """A webhook receiver on loopback: records each POST, answers with `status`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.headers: dict[str, str] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()
