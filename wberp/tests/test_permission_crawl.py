"""Who may open what: every URL pattern, by GET and by POST, for every kind of visitor.

The table below names, for each URL pattern of the URLconf (the admin's included), what
each role gets. The crawl walks the resolver, so a URL added to the URLconf without a row
here fails `test_every_url_pattern_has_a_row_in_the_table` with its name.

Outcomes: "login" is a redirect to our login page (with ?next=), "redirect" any other
redirect, "ok" a 2xx answer, and a number that status code (403, 404, 405 for a method the
view does not take). Every request runs in a transaction that is rolled back, so that a
POST that deletes or logs out leaves the next request the same objects and session.
"""

import copy

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tokens.services import token_create
from wberp.tests.urlcrawl import Route, all_routes, make_objects

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "plain", "staff", "manager", "superuser")
TOKEN_PERMISSIONS = ("view", "add", "change", "delete", "check")

# Outcomes for anonymous, non-staff, staff without permissions, staff with every token
# permission ("manager"), superuser.
PUBLIC = "ok ok ok ok ok"
PUBLIC_REDIRECT = "redirect redirect redirect redirect redirect"
STAFF = "login 403 ok ok ok"
STAFF_ONLY_GET = "login 403 405 405 405"
STAFF_REDIRECT = "login 403 redirect redirect redirect"
TOKENS = "login 403 403 ok ok"
TOKENS_REDIRECT = "login 403 403 redirect redirect"
SUPERUSER = "login 403 403 403 ok"
SUPERUSER_REDIRECT = "login 403 403 403 redirect"
NOBODY = "login 403 403 403 403"
NOT_FOUND = "login 403 404 404 404"
# The REST API answers for itself, in JSON: 401 without a session or an API token.
API_TOKENS = "401 403 403 ok ok"
# A method the route does not take is refused before anything else.
API_NOT_ALLOWED = "405 405 405 405 405"


def model_admin(
    app_label: str, model: str, *, view: str, add: str, change_post: str, delete: str = ""
) -> dict:
    """The URL patterns a ModelAdmin adds, with (GET, POST) outcomes for each."""
    prefix = f"admin:{app_label}_{model}"
    return {
        f"{prefix}_changelist": (view, view),
        f"{prefix}_add": (add, add),
        f"{prefix}_history": (view, view),
        f"{prefix}_delete": (delete or view, delete or view),
        f"{prefix}_change": (view, change_post),
        # The old-style object URL only redirects to the change page, for any staff.
        f"admin/{app_label}/{model}/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    }


# Pattern (view name, or route for an unnamed pattern) -> (GET outcomes, POST outcomes).
EXPECTED: dict[str, tuple[str, str]] = {
    # The site
    "home": (STAFF, STAFF_ONLY_GET),
    "whoami": (STAFF, STAFF_ONLY_GET),
    "login": ("ok redirect redirect redirect redirect",) * 2,
    # Anyone may sign out, staff or not (by POST only).
    "logout": ("405 405 405 405 405", PUBLIC_REDIRECT),
    "password_change": (STAFF, STAFF),
    "password_change_done": (STAFF, STAFF_ONLY_GET),
    # One's own API tokens: any staff (their scopes stay within their permissions). Nobody
    # revokes another's: 404.
    "api_tokens:list": (STAFF, STAFF),
    "api_tokens:revoke": (STAFF_ONLY_GET, NOT_FOUND),
    "set_language": (PUBLIC_REDIRECT, PUBLIC_REDIRECT),
    "healthz": (PUBLIC, PUBLIC),
    "readyz": (PUBLIC, PUBLIC),
    # The token pages
    "tokens:list": (TOKENS, STAFF_ONLY_GET),
    "tokens:add": (TOKENS, TOKENS),
    "tokens:preview": (STAFF_ONLY_GET, TOKENS),
    "tokens:detail": (TOKENS, STAFF_ONLY_GET),
    "tokens:edit": (TOKENS, TOKENS),
    "tokens:check": (STAFF_ONLY_GET, TOKENS_REDIRECT),
    # "Check all shown" starts a bulk check and goes to its page, which anyone may view who
    # may view tokens.
    "tokens:check_all": (STAFF_ONLY_GET, TOKENS_REDIRECT),
    "tokens:batch": (TOKENS, STAFF_ONLY_GET),
    "tokens:delete": (TOKENS, TOKENS_REDIRECT),
    # The seller cabinets
    "sellers:list": (TOKENS, STAFF_ONLY_GET),
    "sellers:detail": (TOKENS, STAFF_ONLY_GET),
    # Each user's own notifications and alert settings; another's notification is not found.
    "alerts:notifications": (STAFF, STAFF_ONLY_GET),
    "alerts:read": (STAFF_ONLY_GET, NOT_FOUND),
    "alerts:read_all": (STAFF_ONLY_GET, STAFF_REDIRECT),
    "alerts:settings": (STAFF, STAFF_REDIRECT),
    "alerts:new_secret": (STAFF_ONLY_GET, STAFF_REDIRECT),
    # Each user's own large exports; another's is not found.
    "exports:list": (STAFF, STAFF_ONLY_GET),
    "exports:download": (NOT_FOUND, STAFF_ONLY_GET),
    # The REST API. Its patterns of one route share one view, which dispatches by method.
    "api:api-root": (NOT_FOUND, NOT_FOUND),
    "api:openapi-json": (STAFF, STAFF_ONLY_GET),
    "api:openapi-view": (STAFF, STAFF_ONLY_GET),
    # A form-encoded body is not JSON: 400, once the caller may add tokens.
    "api:wb_tokens": (API_TOKENS, "401 403 403 400 400"),
    "api:wb_token_create": (API_TOKENS, "401 403 403 400 400"),
    "api:wb_token": (API_TOKENS, API_NOT_ALLOWED),
    "api:wb_token_update": (API_TOKENS, API_NOT_ALLOWED),
    "api:wb_token_delete": (API_TOKENS, API_NOT_ALLOWED),
    "api:wb_token_check": (API_NOT_ALLOWED, API_TOKENS),
    "api:sellers": (API_TOKENS, API_NOT_ALLOWED),
    "api:seller": (API_TOKENS, API_NOT_ALLOWED),
    "api:seller_orders": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_sales": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_products": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_stocks": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_reports": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_report": ("401 403 403 403 ok", API_NOT_ALLOWED),
    "api:seller_report_rows": ("401 403 403 403 ok", API_NOT_ALLOWED),
    # "Sync now" takes JSON: a form-encoded body is a 400 for whoever may start it.
    "api:seller_sync": ("401 403 403 403 ok", "401 403 403 403 400"),
    "api:seller_sync_now": ("401 403 403 403 ok", "401 403 403 403 400"),
    # A cabinet's orders, sales and finance reports: for whoever may view them.
    "sales:orders": (SUPERUSER, STAFF_ONLY_GET),
    "sales:sales": (SUPERUSER, STAFF_ONLY_GET),
    "finance:reports": (SUPERUSER, STAFF_ONLY_GET),
    "finance:report": (SUPERUSER, STAFF_ONLY_GET),
    # A cabinet's catalogue and its sync. "Sync now" without a dataset names none: 404.
    "catalog:products": (SUPERUSER, STAFF_ONLY_GET),
    "catalog:product": (SUPERUSER, STAFF_ONLY_GET),
    "catalog:stocks": (SUPERUSER, STAFF_ONLY_GET),
    # A cabinet's cost prices and unit economics. An upload's preview is its uploader's only.
    "costs:list": (SUPERUSER, STAFF_ONLY_GET),
    "costs:add": (SUPERUSER, SUPERUSER),
    "costs:edit": (SUPERUSER, SUPERUSER),
    "costs:delete": (SUPERUSER, SUPERUSER_REDIRECT),
    "costs:upload": (SUPERUSER, SUPERUSER),
    "costs:preview": ("login 403 403 403 404",) * 2,
    "costs:economics": (SUPERUSER, STAFF_ONLY_GET),
    "costs:tax": (SUPERUSER, SUPERUSER),
    "sync:cabinet": (SUPERUSER, STAFF_ONLY_GET),
    "sync:now": (STAFF_ONLY_GET, "login 403 403 403 404"),
    # Who sees which cabinet: for those who may manage access (the manager may not).
    "access:list": (SUPERUSER, STAFF_ONLY_GET),
    "access:add": (SUPERUSER, SUPERUSER),
    "access:edit": (SUPERUSER, SUPERUSER),
    "access:delete": (SUPERUSER, SUPERUSER_REDIRECT),
    # The admin site
    "admin:index": (STAFF, STAFF),
    # Its own login is no side door: anonymous visitors go to ours.
    "admin:login": (STAFF_REDIRECT, STAFF),
    "admin:logout": (STAFF_ONLY_GET, STAFF_REDIRECT),
    # Its own password change is no side door either: it sends staff to ours, whose old
    # password checks count toward the lockout.
    "admin_password_change": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin:password_change": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin:password_change_done": (STAFF, STAFF_ONLY_GET),
    # Without app_label/model_name/field_name it is refused to everyone.
    "admin:autocomplete": (NOBODY, STAFF_ONLY_GET),
    "admin:jsi18n": (STAFF, STAFF_ONLY_GET),
    # Redirects to the object's own page. Its address is answered by the pattern before it,
    # which finds only objects of the reader's cabinets: this one visits the token.
    "admin:view_on_site": (TOKENS_REDIRECT, TOKENS_REDIRECT),
    "admin_view_on_site": (TOKENS_REDIRECT, TOKENS_REDIRECT),
    # /admin/tokens/: only for those who may see a model of the app.
    "admin:app_list": ("login 403 404 ok ok",) * 2,
    "admin/(?P<url>.*)$": (NOT_FOUND, NOT_FOUND),
    **model_admin("auth", "group", view=SUPERUSER, add=SUPERUSER, change_post=SUPERUSER),
    **model_admin("auth", "user", view=SUPERUSER, add=SUPERUSER, change_post=SUPERUSER),
    "admin:auth_user_password_change": (SUPERUSER, SUPERUSER),
    # Login records are read-only: nobody adds one by hand.
    **model_admin(
        "axes", "accessattempt", view=SUPERUSER, add=NOBODY, change_post=SUPERUSER_REDIRECT
    ),
    **model_admin("axes", "accesslog", view=SUPERUSER, add=NOBODY, change_post=SUPERUSER_REDIRECT),
    **model_admin(
        "axes", "accessfailurelog", view=SUPERUSER, add=NOBODY, change_post=SUPERUSER_REDIRECT
    ),
    **model_admin("tokens", "wbtoken", view=TOKENS, add=TOKENS, change_post=TOKENS),
    # What fired and what was sent: read-only records, which nobody may change or delete.
    **model_admin(
        "alerts", "alertstate", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "alerts", "delivery", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    # Cabinets come with their first token and WB fills them in: nothing to add or edit by
    # hand. The manager may view them; only the superuser may delete one (a cabinet with
    # tokens is protected, so its delete page only says so).
    **model_admin(
        "sellers",
        "seller",
        view=TOKENS,
        add=NOBODY,
        change_post=SUPERUSER_REDIRECT,
        delete=SUPERUSER,
    ),
    # API tokens are made where they are shown once, never in the admin.
    **model_admin("api", "apitoken", view=SUPERUSER, add=NOBODY, change_post=SUPERUSER_REDIRECT),
    # Who sees which cabinet: for those given the model's permissions (the manager has none).
    **model_admin("access", "cabinetgrant", view=SUPERUSER, add=SUPERUSER, change_post=SUPERUSER),
    # Background work is read-only in the admin: the tick and the workers write it.
    **model_admin(
        "jobs", "periodicjob", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    # WB's own data (orders, sales, finance reports) is read-only in the admin: the sync
    # writes it, and an edit would be undone by the next sync.
    **model_admin("sales", "order", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY),
    **model_admin("sales", "sale", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY),
    **model_admin(
        "finance", "report", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "finance", "reportrow", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    # The catalogue and the sync's streams and runs: written by the sync, read-only here.
    **model_admin(
        "catalog", "product", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "catalog", "price", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    # Cost prices and the cabinets' tax are staff's own data; uploads are records of the page.
    **model_admin("costs", "costprice", view=SUPERUSER, add=SUPERUSER, change_post=SUPERUSER),
    **model_admin(
        "costs", "cabineteconomics", view=SUPERUSER, add=SUPERUSER, change_post=SUPERUSER
    ),
    **model_admin("costs", "costupload", view=SUPERUSER, add=NOBODY, change_post=NOBODY),
    **model_admin(
        "catalog", "pricechange", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "catalog", "warehouse", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "catalog", "stock", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin(
        "sync", "syncstream", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY
    ),
    **model_admin("sync", "syncrun", view=SUPERUSER, add=NOBODY, change_post=NOBODY, delete=NOBODY),
    **model_admin(
        "django_tasks_database",
        "dbtaskresult",
        view=SUPERUSER,
        add=NOBODY,
        change_post=NOBODY,
        delete=NOBODY,
    ),
}


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        login = reverse("login") + "?next="
        return "login" if response["Location"].startswith(login) else "redirect"
    if 200 <= response.status_code < 300:
        return "ok"
    return str(response.status_code)


@pytest.fixture
def users(django_user_model) -> dict:
    """A user per role (no password hashing: the clients are logged in directly)."""
    make = django_user_model.objects.create
    manager = make(username="manager", is_staff=True)
    manager.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="tokens",
            codename__in=[f"{name}_wbtoken" for name in TOKEN_PERMISSIONS],
        )
        | Permission.objects.filter(content_type__app_label="sellers", codename="view_seller")
        | Permission.objects.filter(content_type__app_label="access", codename="see_all_cabinets")
    )
    return {
        "anonymous": None,
        "plain": make(username="customer"),
        "staff": make(username="clerk", is_staff=True),
        "manager": manager,
        "superuser": make(username="boss", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def samples(wb, users):
    token = token_create(
        name="Shop", raw_token=wb.mint(seller_name="Crawl LLC"), by=users["superuser"]
    )
    return make_objects(token)


def test_every_url_pattern_has_a_row_in_the_table():
    routes = {route.key: route.route for route in all_routes()}
    missing = sorted(f"{key} ({route})" for key, route in routes.items() if key not in EXPECTED)
    assert not missing, "URL patterns without expected outcomes in EXPECTED: " + ", ".join(missing)
    stale = sorted(set(EXPECTED) - set(routes))
    assert not stale, "EXPECTED lists patterns no longer in the URLconf: " + ", ".join(stale)


def test_the_table_names_every_role_for_both_methods():
    for key, methods in EXPECTED.items():
        assert len(methods) == 2, key
        for outcomes in methods:
            assert len(outcomes.split()) == len(ROLES), key


def visit(client: Client, cookies, method: str, url: str):
    """One request, undone afterwards: its writes are rolled back, its cookies forgotten."""
    client.cookies = copy.deepcopy(cookies)
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(role, users, samples):
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    cookies = copy.deepcopy(client.cookies)
    column = ROLES.index(role)
    wrong = []
    routes: list[Route] = [route for route in all_routes() if route.key in EXPECTED]
    for route in routes:
        url = samples.url(route)
        for method, outcomes in zip(("get", "post"), EXPECTED[route.key], strict=True):
            response = visit(client, cookies, method, url)
            expected, got = outcomes.split()[column], outcome(response)
            if got != expected:
                where = response.get("Location", "")
                wrong.append(
                    f"{method.upper()} {url} ({route.key}): expected {expected}, "
                    f"got {got} {response.status_code} {where}"
                )
    assert not wrong, f"As {role}:\n" + "\n".join(wrong)
