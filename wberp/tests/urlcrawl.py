"""Every URL pattern of the URLconf, and a real URL for each, for tests that visit them all.

Patterns are walked from `get_resolver()`, admin included, so that a new URL is visited by
the crawling tests without anyone adding it by hand. Converters are filled with the id of
a real object: the stored token, or a row of the model an admin URL is about.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.timezone import now

from access.models import CabinetGrant
from alerts.models import Notification
from api.models import APIToken
from tokens.models import CheckBatch, WBToken

ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
# The admin's catch-all pattern answers any URL nothing else matches.
UNKNOWN_ADMIN_PAGE = "no-such-page/"


@dataclass(frozen=True)
class Route:
    """One URL pattern: `key` is its view name, or its route text when it has no name."""

    key: str
    route: str
    callback: Callable


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, prefix="", namespace=""))


def _walk(patterns, *, prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern.url_patterns, prefix=route, namespace=inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(part for part in (namespace, pattern.name) if part)
            yield Route(name if pattern.name else route, route, pattern.callback)


def _join(prefix: str, piece: str) -> str:
    """As Django's resolver joins routes: a nested regex loses its leading ^."""
    return prefix + piece.removeprefix("^") if prefix else piece


@dataclass
class Samples:
    """Real objects to put into URLs: the stored token, and one row per admin model."""

    token: WBToken
    rows: dict[type[Model], object] = field(default_factory=dict)

    def value(self, route: str, param: str) -> str:
        if param == "content_type_id":
            return str(ContentType.objects.get_for_model(WBToken).pk)
        if route.startswith("admin/r/") and param == "object_id":
            return str(self.token.pk)
        if param == "app_label":
            return WBToken._meta.app_label
        if param == "url":
            return UNKNOWN_ADMIN_PAGE
        if route.startswith("admin/") and param in ("object_id", "id"):
            app_label, model_name = route.split("/")[1:3]
            return str(self.row(apps.get_model(app_label, model_name)).pk)
        if route.startswith("tokens/checks/") and param == "pk":
            return str(self.row(CheckBatch).pk)
        if route.startswith("tokens/") and param == "pk":
            return str(self.token.pk)
        if route.startswith("accounts/api-tokens/") and param == "pk":
            return str(self.row(APIToken).pk)
        if route.startswith("api/v1/wb-tokens/") and param == "id":
            return str(self.token.pk)
        if route.startswith("access/") and param == "pk":
            return str(self.row(CabinetGrant).pk)
        if route.startswith("notifications/") and param == "pk":
            return str(self.row(Notification).pk)
        if route.startswith("exports/") and param == "export_id":
            from exports.models import Export

            return str(self.row(Export).pk)
        if route.startswith(("sellers/", "api/v1/sellers/")) and param == "sid":
            return self.token.seller.sid
        if route.startswith(("sellers/", "api/v1/sellers/")) and param == "report_id":
            from finance.models import Report

            return str(self.row(Report).report_id)
        if route.startswith("sellers/") and param == "pk" and "/costs/" in route:
            from costs.models import CostPrice

            return str(self.row(CostPrice).pk)
        if route.startswith("sellers/") and param == "upload_id":
            from costs.models import CostUpload

            return str(self.row(CostUpload).pk)
        if route.startswith("sellers/") and param == "nm_id":
            from catalog.models import Product

            return str(self.row(Product).nm_id)
        raise LookupError(f"No sample value for <{param}> in {route}: add one to urlcrawl.py")

    def row(self, model: type[Model]):
        if model is WBToken:
            return self.token
        if model in self.rows:
            return self.rows[model]
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"No {model.__name__} to visit: add one in make_objects()"
        return first

    def url(self, route: Route) -> str:
        def fill(match: re.Match) -> str:
            return self.value(route.route, match.group(1))

        path = ROUTE_PARAM.sub(fill, REGEX_GROUP.sub(fill, route.route))
        url = "/" + path.replace("^", "").replace("$", "")
        match = resolve(url)
        assert match.route == route.route, f"{url} resolves to {match.route}, not {route.route}"
        return url


def make_objects(token: WBToken) -> Samples:
    """A row of its own for every model the admin lists, so that object URLs are real.

    Its own, so that the users who crawl are not the user whose delete page is posted to.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_tasks_db.models import DBTaskResult

    from alerts.models import AlertState, Delivery
    from catalog.models import Price, PriceChange, Product, Stock, Warehouse
    from costs.models import CabinetEconomics, CostPrice, CostUpload
    from finance.models import Report, ReportRow
    from jobs.models import PeriodicJob
    from sales.models import Order, Sale
    from sync.models import SyncRun, SyncStream

    who = {"user_agent": "pytest", "ip_address": "192.0.2.1", "username": "someone"}
    who |= {"http_accept": "text/html", "path_info": "/accounts/login/"}
    visited_user = get_user_model().objects.create(username="visited-user")
    rows = [
        visited_user,
        # Not the crawling users' own: its revoke URL is theirs to see refused.
        APIToken.objects.create(
            user=visited_user,
            name="Visited API token",
            public_id="0" * 12,
            secret_hash="0" * 64,
            expires_at=now(),
        ),
        Group.objects.create(name="Visited group"),
        AccessAttempt.objects.create(**who, get_data="", post_data="", failures_since_start=1),
        AccessFailureLog.objects.create(**who),
        AccessLog.objects.create(**who),
        PeriodicJob.objects.create(name="visited.job", schedule="every 60s", next_run_at=now()),
        DBTaskResult.objects.create(
            task_path="tokens.tasks.recheck_tokens",
            args_kwargs={"args": [], "kwargs": {}},
            backend_name="default",
        ),
        CheckBatch.objects.create(trigger="bulk", total=0, finished_at=now()),
        Order.objects.create(
            seller=token.seller, srid="srid-1", date=now(), last_change_date=now()
        ),
        Sale.objects.create(
            seller=token.seller, srid="srid-1", sale_id="S1", date=now(), last_change_date=now()
        ),
        Report.objects.create(
            seller=token.seller, report_id=1, date_from=now().date(), date_to=now().date()
        ),
        ReportRow.objects.create(seller=token.seller, report_id=1, rrd_id=1),
        Product.objects.create(seller=token.seller, nm_id=1, changed_at=now()),
        Price.objects.create(seller=token.seller, nm_id=1, chrt_id=1, changed_at=now()),
        PriceChange.objects.create(seller=token.seller, nm_id=1, chrt_id=1, seen_at=now()),
        CostPrice.objects.create(
            seller=token.seller, vendor_code="VC-1", valid_from=now().date(), cost=1
        ),
        CostUpload.objects.create(seller=token.seller, file_name="costs.csv"),
        CabinetEconomics.objects.get_or_create(seller=token.seller)[0],  # one a cabinet
        Warehouse.objects.create(seller=token.seller, warehouse_id=1, changed_at=now()),
        Stock.objects.create(
            seller=token.seller, kind="fbs", warehouse_id=1, chrt_id=1, quantity=3, changed_at=now()
        ),
        stream := SyncStream.objects.create(seller=token.seller, dataset="cards"),
        SyncRun.objects.create(stream=stream, trigger="schedule", started_at=now()),
        CabinetGrant.objects.create(
            seller=token.seller, group=Group.objects.create(name="G"), sync=1
        ),
    ]
    # Another user's notification: nobody who crawls may read it.
    state = AlertState.objects.create(
        rule="token_failing",
        subject=str(token.pk),
        seller=token.seller,
        fired_at=now(),
        details={"token": token.name, "token_id": str(token.pk), "status": "invalid"},
    )
    notification = Notification.objects.create(user=visited_user, state=state, created_at=now())
    # Another user's finished export: nobody who crawls may download it.
    from exports.models import Export

    rows.append(
        Export.objects.create(
            owner=visited_user, table="visited", path="/", format="xlsx", state="done"
        )
    )
    rows += [
        state,
        notification,
        Delivery.objects.create(notification=notification, channel="email", next_attempt_at=now()),
    ]
    return Samples(token=token, rows={type(row): row for row in rows})
