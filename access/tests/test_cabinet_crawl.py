"""The proof of cabinet access: every URL of the URLconf (pages, htmx partials, the table pages'
CSV and XLSX exports, the API's CSV, the admin's changelists, forms and actions), by GET and by
POST, as each user of access.tests.world, with the objects of cabinet A and of cabinet B.

- Nothing of a cabinet a user was not given appears in any answer (body or redirect): not
  its name, trade mark, INN or seller ID, not its token's name or id, not its orders', sales'
  or reports' ids; nothing of an area of a cabinet (its tokens, its sales, its finance)
  appears to a user not given that area.
- An object of a cabinet outside the user's scope answers 404, as a missing one would.
- Inside the scope a user gets what the user who sees every cabinet gets, or 403 where they
  may only read; and the page shows the object.

A URL with an object in it that the table below does not place in a cabinet fails the crawl,
so a new app's pages cannot be left out of it.
"""

import copy
import io
import re
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from access.models import Area, Level
from wberp.tests.test_permission_crawl import outcome
from wberp.tests.urlcrawl import Route, all_routes, make_objects

from .world import MANAGERS, USERS, Cabinet, World, make_world

pytestmark = pytest.mark.django_db

# Route prefix -> (area of the cabinet it shows, None for any area; what object it takes).
CABINET_ROUTES = {
    "tokens/checks/<": (Area.TOKENS, "batch"),
    "tokens/<": (Area.TOKENS, "token"),
    # A cabinet's orders and sales, and its finance reports, are pages of its areas.
    "sellers/<str:sid>/orders/": (Area.SALES, "seller"),
    "sellers/<str:sid>/sales/": (Area.SALES, "seller"),
    "sellers/<str:sid>/finance/": (Area.FINANCE, "seller"),
    "sellers/<str:sid>/products/": (Area.CATALOGUE, "seller"),
    "sellers/<str:sid>/stocks/": (Area.CATALOGUE, "seller"),
    "sellers/<str:sid>/sync/": (Area.SYNC, "seller"),
    # A cabinet's cost prices, an upload of them and its unit economics: its finance area.
    "sellers/<str:sid>/costs/upload/<": (Area.FINANCE, "costupload"),
    "sellers/<str:sid>/costs/<": (Area.FINANCE, "costprice"),
    "sellers/<str:sid>/costs/": (Area.FINANCE, "seller"),
    "sellers/<str:sid>/economics/": (Area.FINANCE, "seller"),
    "sellers/<": (None, "seller"),
    "access/<": (None, "grant"),
    "admin/r/<": (Area.TOKENS, "token"),
    "api/v1/wb-tokens/<": (Area.TOKENS, "token"),
    "api/v1/sellers/<sid>/orders/": (Area.SALES, "seller"),
    "api/v1/sellers/<sid>/sales/": (Area.SALES, "seller"),
    "api/v1/sellers/<sid>/products/": (Area.CATALOGUE, "seller"),
    "api/v1/sellers/<sid>/stocks/": (Area.CATALOGUE, "seller"),
    "api/v1/sellers/<sid>/finance/": (Area.FINANCE, "seller"),
    "api/v1/sellers/<sid>/sync/": (Area.SYNC, "seller"),
    "api/v1/sellers/<": (None, "seller"),
    "admin/tokens/wbtoken/<": (Area.TOKENS, "token"),
    "admin/sellers/seller/<": (None, "seller"),
    "admin/access/cabinetgrant/<": (None, "grant"),
    "admin/sales/order/<": (Area.SALES, "order"),
    "admin/sales/sale/<": (Area.SALES, "sale"),
    "admin/finance/report/<": (Area.FINANCE, "report"),
    "admin/finance/reportrow/<": (Area.FINANCE, "reportrow"),
    "admin/costs/costprice/<": (Area.FINANCE, "costprice"),
    "admin/costs/costupload/<": (Area.FINANCE, "costupload"),
    "admin/costs/cabineteconomics/<": (Area.FINANCE, "cabineteconomics"),
}
# Objects found by their owner, not their cabinet: each user's own API tokens,
# notifications and large exports.
NOT_OF_A_CABINET = ("accounts/api-tokens/<", "notifications/<", "exports/<")
# The admin's old-style object address only redirects to the change page, for any object id.
ADMIN_OLD_STYLE = re.compile(r"^admin/\w+/\w+/<path:object_id>/$")
API_PATCH = '{"name": "Renamed"}'
# Pages of the app (not the admin) also answer htmx with a partial.
APP_PREFIXES = ("tokens/", "sellers/", "access/")
# The table pages' exports, and the API's CSV. A page exports when the chief's view of it links
# to an export (templates/includes/export_links.html); the others would ignore the parameter.
PAGE_EXPORTS = ("export=csv", "export=xlsx")
EXPORT_LINK = "export=csv"
# The table pages known to export, lest a broken link make the crawl skip their exports.
TABLE_PAGES = {
    "tokens:list",
    "sales:orders",
    "sales:sales",
    "finance:reports",
    "finance:report",
    "catalog:products",
    "catalog:stocks",
    "costs:list",
}
API_CSV = "format=csv"
EXPORT_TYPES = ("text/csv", "application/vnd.openxmlformats")


def cabinet_route(route: Route) -> tuple[str | None, str] | None:
    if ADMIN_OLD_STYLE.match(route.route):
        return None
    for prefix, where in CABINET_ROUTES.items():
        if route.route.startswith(prefix):
            return where
    assert "<" not in route.route or route.route.startswith(("admin/", *NOT_OF_A_CABINET)), (
        f"{route.route} takes an object: say in CABINET_ROUTES which cabinet it belongs to"
    )
    return None


def object_of(cabinet: Cabinet, kind: str):
    objects = {
        "batch": cabinet.batch,
        "token": cabinet.token,
        "seller": cabinet.seller,
        "grant": cabinet.grant,
    }
    return objects.get(kind) or cabinet.rows[kind]


def shown_of(cabinet: Cabinet, kind: str) -> str:
    """What a page of the object shows of it for sure: a name, or the row as it prints."""
    if kind in cabinet.rows:
        return str(cabinet.rows[kind])
    return cabinet.token.name if kind == "token" else cabinet.seller.name


def url_for(route: Route, samples, cabinet: Cabinet) -> str:
    """The route's URL with the cabinet's object (or a sample row, for other models)."""
    where = cabinet_route(route)
    if where is None:
        return samples.url(route)
    found = object_of(cabinet, where[1])

    class CabinetSamples(type(samples)):
        def value(self, route_text: str, param: str) -> str:
            if param == "content_type_id":
                return str(ContentType.objects.get_for_model(found).pk)
            if param == "sid":  # the cabinet's, or its object's cabinet's
                return getattr(found, "sid", None) or found.seller.sid
            if param == "report_id":
                return str(cabinet.rows["report"].report_id)
            if param in ("pk", "object_id", "id", "upload_id"):
                return str(found.pk)
            return super().value(route_text, param)

    return CabinetSamples(token=samples.token, rows=samples.rows).url(route)


def visible(world: World, user: str, cabinet: str, area: str | None, kind: str) -> bool:
    if kind == "batch":  # a bulk check is followed by whoever started it
        return user in ("chief", MANAGERS[cabinet])
    return world.level(user, cabinet, area) >= Level.VIEW


def answer_text(response) -> str:
    """What an answer says: its body, streamed or not, and an XLSX's sheets and strings
    unzipped (an export's cells are there, compressed)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as xlsx:
            body = b"".join(xlsx.read(name) for name in xlsx.namelist())
    return body.decode(errors="replace") + response.get("Location", "")


def leaks(world: World, user: str, text: str, url: str) -> list[str]:
    """Markers of cabinets (or of their tokens) `user` was not given, in the answer's text;
    those in the address asked for are the asker's own words, not a leak."""
    found = []
    for key, cabinet in world.cabinets.items():
        hidden = [] if world.level(user, key, None) else cabinet.markers
        for area in Area.values:
            if world.level(user, key, area) == Level.NONE:
                hidden += cabinet.area_markers(area)
        found += [marker for marker in hidden if marker in text and marker not in url]
    return found


def visit(client: Client, cookies, method: str, url: str, htmx: bool = False):
    """One request, undone afterwards: its writes are rolled back, its cookies forgotten."""
    client.cookies = copy.deepcopy(cookies)
    headers = {"HX-Request": "true"} if htmx else {}
    # The API's PATCH and POST take JSON: a valid body, so that it is the object that is
    # looked up (a body it cannot read is a 400 before that, whoever asks).
    api_body = method == "patch" or (method == "post" and url.startswith("/api/"))
    body = {"data": API_PATCH, "content_type": "application/json"} if api_body else {}
    with transaction.atomic():
        response = getattr(client, method)(url, headers=headers, **body)
        transaction.set_rollback(True)
    return response


def requests_of(route: Route, exporting: set[str]):
    """(method, htmx, query) of each request the crawl makes of the route. `exporting` is read
    after the first request (the page's GET) has been made: the chief's GET of a page that
    links to its exports adds the route to it."""
    yield "get", False, ""
    yield "post", False, ""
    if route.route.startswith(APP_PREFIXES):
        yield "get", True, ""
    if route.key in exporting:
        for query in PAGE_EXPORTS:
            yield "get", False, query
    if route.route.startswith("api/"):
        yield "get", False, API_CSV
        yield "patch", False, ""
        yield "delete", False, ""


@pytest.fixture
def world(wb) -> World:
    return make_world(wb)


@pytest.fixture
def samples(world):
    return make_objects(world.cabinets["A"].token)


def visits(world: World, samples, user: str, exporting: set[str]):
    """Every request of the crawl for `user`: (route, cabinet, method, htmx, url, answer).
    The chief's crawl, which comes first, fills `exporting` with the routes of table pages."""
    client = Client()
    client.force_login(world.users[user])
    cookies = copy.deepcopy(client.cookies)
    for route in all_routes():
        by_cabinet = cabinet_route(route) or ADMIN_OLD_STYLE.match(route.route)
        for cabinet in world.cabinets.values() if by_cabinet else [world.cabinets["A"]]:
            page = url_for(route, samples, cabinet)
            for method, htmx, query in requests_of(route, exporting):
                url = f"{page}{'&' if '?' in page else '?'}{query}" if query else page
                answer = visit(client, cookies, method, url, htmx)
                text = answer_text(answer)
                page_get = (method, htmx, query) == ("get", False, "")
                if user == "chief" and page_get and EXPORT_LINK in text:
                    exporting.add(route.key)
                yield route, cabinet, (method, htmx, query), url, text, answer


def test_every_url_keeps_each_user_to_their_cabinets(world, samples):
    chief_got: dict[tuple, str] = {}
    wrong: list[str] = []
    exports_read = 0
    exporting: set[str] = set()
    for user in sorted(USERS, key=lambda name: name != "chief"):  # the chief first
        for route, cabinet, request, url, text, response in visits(world, samples, user, exporting):
            method, htmx, query = request
            exports_read += response.get("Content-Type", "").startswith(EXPORT_TYPES)
            asked = f"{user}: {method.upper()}{' htmx' if htmx else ''} {url}"
            if found := leaks(world, user, text, url):
                wrong.append(f"{asked} shows {found}")
            if (where := cabinet_route(route)) is None:
                continue
            key, got = (route.key, request, cabinet.key), outcome(response)
            if user == "chief":
                chief_got[key] = got
            expected = expected_outcome(world, user, cabinet.key, where, chief_got[key], got)
            if got != expected:
                wrong.append(f"{asked}: expected {expected}, got {got}")
            # Whole pages show their object (a partial may show only a table; a bulk check
            # names only the tokens that did not come out valid).
            api_list = route.route.startswith("api/") and route.route.endswith("/")
            whole_page = method == "get" and not (htmx or api_list or query)
            if whole_page and got == "ok" and where[1] != "batch":
                shown = shown_of(cabinet, where[1])
                if shown not in text:
                    wrong.append(f"{asked} does not show {shown}")
    assert not wrong, "\n".join(wrong)
    # The CSV and XLSX answers were read, not only the pages, of each table page.
    assert exports_read > 50
    assert exporting >= TABLE_PAGES, f"no export link found on {TABLE_PAGES - exporting}"


def expected_outcome(world: World, user: str, cabinet: str, where, chief_got: str, got: str):
    """Outside the user's scope: 404 (or 405 where the view takes no such method at all).
    Inside: what the chief got, or 403 where the user may only read."""
    area, kind = where
    if not visible(world, user, cabinet, area, kind):
        return "405" if chief_got == "405" else "404"
    read_only = kind != "batch" and world.level(user, cabinet, area) < Level.CHANGE
    return "403" if got == "403" and read_only else chief_got
