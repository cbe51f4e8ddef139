"""Security headers and what the browser is allowed to run, on every page we answer.

Every HTML response, admin included, carries a Content-Security-Policy whose script-src is
'self' without 'unsafe-inline' or 'unsafe-eval', and the pages hold nothing that such a
policy would block: no inline <script>, no on*= handler attributes, no javascript: URLs,
no htmx features that need eval. The pages are every URL pattern of the URLconf, visited
by each kind of user with GET and POST (htmx fragments too), plus the 404, 500 and
lockout pages.

Not covered here: static files. WhiteNoise answers /static/ before the CSP middleware
runs, so they carry no Content-Security-Policy. That is deliberate: CSP governs documents,
and a stylesheet, script or icon from /static/ is never a document we render (every file
there is ours or Django's; nothing users upload is served). They still carry nosniff, so
that no browser reads one as HTML; `test_static_files_are_never_sniffed` holds that.

`check --deploy --fail-level WARNING` with production settings is in test_settings.py.
"""

import copy
import json
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from tokens.services import token_check, token_create
from wberp.tests.urlcrawl import all_routes, make_objects

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TWELVE_HOURS = 12 * 60 * 60
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "data")
# The two health probes are answered at the top of the middleware stack, before any
# security header is added: they are JSON for load balancers, never a document.
HEALTH_PROBES = ("/healthz", "/readyz")
STRICT_DIRECTIVES = {
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# htmx configured so that it needs neither eval nor inline styles, and talks only to us.
HTMX_CONFIG = {"allowEval": False, "includeIndicatorStyles": False, "selfRequestsOnly": True}


# --- Reading a page -----------------------------------------------------------------------


@dataclass
class Page:
    """What the browser would run or configure from one HTML response."""

    problems: list[str] = field(default_factory=list)
    script_sources: list[str] = field(default_factory=list)
    htmx_config: str | None = None
    htmx_config_before_htmx: bool = False
    is_document: bool = False  # a whole page with a <head>, not a fragment
    names_an_icon: bool = False


class PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._script: dict | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.page.problems.append(f"<{tag} {name}=…> (inline event handler)")
            if name.startswith(("hx-on", "data-hx-on")) or name in ("hx-vars", "data-hx-vars"):
                self.page.problems.append(f"<{tag} {name}=…> (htmx would need eval)")
            if name in ("hx-vals", "data-hx-vals") and (value or "").lstrip().startswith("js:"):
                self.page.problems.append(f"<{tag} {name}=js:…> (htmx would need eval)")
            if name in ("hx-trigger", "data-hx-trigger") and "[" in (value or ""):
                self.page.problems.append(f"<{tag} {name}={value}> (event filters need eval)")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.page.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "head":
            self.page.is_document = True
        if tag == "link" and "icon" in (values.get("rel") or "").split():
            self.page.names_an_icon = True
        if tag == "meta" and values.get("name") == "htmx-config":
            self.page.htmx_config = values.get("content") or ""
        if tag == "script":
            self._script, self._script_text = values, ""
            source = values.get("src")
            if source:
                self.page.script_sources.append(source)
                if "htmx" in source and self.page.htmx_config is not None:
                    self.page.htmx_config_before_htmx = True

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        kind = (self._script.get("type") or "text/javascript").lower()
        executable = "javascript" in kind or kind == "module"
        if not self._script.get("src") and executable and self._script_text.strip():
            self.page.problems.append(f"inline <script>: {self._script_text.strip()[:60]!r}")
        self._script = None


def test_the_page_reader_finds_what_the_policy_would_block():
    reader = PageReader()
    reader.feed(
        '<script src="/static/a.js"></script><script>alert(1)</script>'
        '<script type="application/json">{"data": 1}</script>'
        '<a href="javascript:go()">x</a><button onclick="go()">y</button>'
        '<div hx-on:click="go()" hx-trigger="click[ctrlKey]" hx-vals="js:{a: 1}"></div>'
    )
    problems = " ".join(reader.page.problems)
    for expected in ("alert(1)", "javascript:", "onclick", "hx-on:click", "ctrlKey", "hx-vals"):
        assert expected in problems
    assert "data" not in problems  # a JSON data block is not code
    assert reader.page.script_sources == ["/static/a.js"]


def read_page(response) -> Page:
    reader = PageReader()
    reader.feed(response.content.decode())
    reader.close()
    return reader.page


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and bool(response.content)


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- Collecting every page ----------------------------------------------------------------


@pytest.fixture
def people(django_user_model) -> dict:
    make = django_user_model.objects.create
    manager = make(username="manager", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="tokens"))
    return {
        "anonymous": None,
        "plain": make(username="customer"),
        "staff": make(username="clerk", is_staff=True),
        "manager": manager,
        "superuser": make(username="boss", is_staff=True, is_superuser=True),
    }


def visit_everything(wb, people) -> list[tuple[str, object]]:
    """(description, response): every pattern by GET for every role; as superuser also by
    POST, and as htmx asks for them (our pages); plus the 404 page."""
    boss = people["superuser"]
    token = token_create(name="Shop", raw_token=wb.mint(seller_name="Header LLC"), by=boss)
    token_check(token=token, by=boss)
    samples = make_objects(token)
    collected = []
    for role, user in people.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        cookies = copy.deepcopy(client.cookies)
        for route in all_routes():
            url = samples.url(route)
            requests = [("get", {})]
            if role == "superuser":
                requests.append(("post", {}))
                if not route.route.startswith("admin/"):
                    requests += [("get", HTMX), ("post", HTMX)]
            for method, headers in requests:
                client.cookies = copy.deepcopy(cookies)
                with transaction.atomic():
                    response = getattr(client, method)(url, **headers)
                    transaction.set_rollback(True)
                label = f"{method.upper()} {url} as {role}{' (htmx)' if headers else ''}"
                collected.append((label, response))
        collected.append((f"a page that does not exist, as {role}", client.get("/no-such/")))
    return collected


def security_header_problems(response) -> list[str]:
    request = response.wsgi_request
    if request.path in HEALTH_PROBES and request.method == "GET":
        return [] if response["Content-Type"] == "application/json" else ["not JSON"]
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    problems = [
        f"{name} is not {value}" for name, value in expected.items() if response.get(name) != value
    ]
    if "Content-Security-Policy" not in response:
        return [*problems, "no Content-Security-Policy"]
    directives = policy(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    if scripts != ["'self'"]:
        problems.append(f"script-src is {scripts}")
    for name, value in STRICT_DIRECTIVES.items():
        if directives.get(name) != value:
            problems.append(f"{name} is {directives.get(name)}")
    return problems


def page_problems(response) -> list[str]:
    if not is_html(response):
        return []
    page = read_page(response)
    problems = list(page.problems)
    if page.is_document and not page.names_an_icon:
        problems.append("no icon link: the browser would ask for /favicon.ico, a 404")
    problems += [f"script from {src}" for src in page.script_sources if not is_our_origin(src)]
    if any("htmx" in source for source in page.script_sources):
        problems += htmx_config_problems(page)
    return problems


def is_our_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def htmx_config_problems(page: Page) -> list[str]:
    if page.htmx_config is None:
        return ["htmx without an htmx-config meta tag"]
    config = json.loads(page.htmx_config)
    problems = [] if page.htmx_config_before_htmx else ["htmx-config comes after htmx"]
    for name, value in HTMX_CONFIG.items():
        if config.get(name) is not value:
            problems.append(f"htmx-config {name} is {config.get(name)}")
    return problems


def cache_problems(response) -> list[str]:
    path = response.wsgi_request.path
    is_token_page = path.startswith(("/tokens/", "/admin/tokens/wbtoken/"))
    if response.status_code != 200 or not is_token_page:
        return []
    return [] if "no-store" in response.get("Cache-Control", "") else ["cacheable token page"]


def test_every_page_is_protected_as_the_policy_says(wb, people):
    responses = visit_everything(wb, people)
    pages = [response for _label, response in responses if is_html(response)]
    assert len(pages) > 200
    assert any("htmx" in src for response in pages for src in read_page(response).script_sources)
    admin_token_pages = [
        response
        for _label, response in responses
        if response.status_code == 200
        and response.wsgi_request.path.startswith("/admin/tokens/wbtoken/")
    ]
    assert len(admin_token_pages) >= 5
    problems = [
        f"{label}: {problem}"
        for label, response in responses
        for check in (security_header_problems, page_problems, cache_problems)
        for problem in check(response)
    ]
    assert not problems, "\n".join(problems)


# --- Error pages --------------------------------------------------------------------------


def broken_view(*args, **kwargs):
    raise RuntimeError("boom")


def test_the_server_error_page_has_the_policy_and_no_inline_code(people, monkeypatch):
    monkeypatch.setattr("tokens.views.token_page_context", broken_view)
    monkeypatch.setattr("tokens.views.token_list_page", broken_view)
    client = Client(raise_request_exception=False)
    client.force_login(people["superuser"])
    response = client.get(reverse("tokens:list"))
    assert response.status_code == 500
    assert policy(response)["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert not read_page(response).problems


def test_the_lockout_page_has_the_policy_and_no_inline_code(client, make_user, settings):
    make_user("clerk", staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429
    assert policy(response)["script-src"] == ["'self'"]
    assert is_html(response) and not read_page(response).problems


# --- Static files -------------------------------------------------------------------------


def test_static_files_are_never_sniffed(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/wberp.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "javascript" in response["Content-Type"]
    assert "Content-Security-Policy" not in response  # WhiteNoise answers first: see above


# --- Sessions -----------------------------------------------------------------------------


def test_a_session_lasts_at_most_twelve_hours_and_ends_with_the_browser(
    client, make_user, settings
):
    make_user("clerk", staff=True)
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_AGE <= TWELVE_HOURS
    assert client.session.get_expiry_age() <= TWELVE_HOURS
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("logout", ["logout", "admin:logout"])
def test_logging_out_deletes_the_session_on_the_server(make_user, logout):
    client = Client()
    client.force_login(make_user("clerk", staff=True))
    key = client.session.session_key
    assert client.post(reverse(logout)).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_a_user_who_is_not_staff_can_still_log_out(plain_client):
    key = plain_client.session.session_key
    assert plain_client.get(reverse("home")).status_code == 403
    response = plain_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not Session.objects.filter(session_key=key).exists()


# --- Login lockout ------------------------------------------------------------------------


def fail_logins(client: Client, times: int, **meta) -> None:
    for _ in range(times):
        response = client.post(reverse("login"), {"username": "clerk", "password": "x"}, **meta)
        assert response.status_code in (200, 429)


def log_in(client: Client, **meta) -> int:
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD}, **meta)
    return response.status_code


def test_the_proxy_count_comes_from_the_environment(settings):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_COUNT, settings.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "wberp.settings",
            "WBERP_ENV_FILE": "/dev/null",
            "DEBUG": "true",
            "TRUSTED_PROXY_COUNT": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "1 ('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


def test_without_proxy_headers_a_forged_forwarded_for_does_not_escape_a_lockout(
    client, make_user, settings
):
    make_user("clerk", staff=True)
    fail_logins(client, settings.AXES_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert log_in(client, HTTP_X_FORWARDED_FOR="198.51.100.2") == 429


def test_without_a_proxy_a_forwarded_scheme_is_not_believed(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.fixture
def behind_a_proxy(settings, make_user):
    """As deployed behind one reverse proxy: TRUSTED_PROXY_COUNT=1."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("clerk", staff=True)
    return {"REMOTE_ADDR": "127.0.0.1"}  # every request comes from the proxy


def test_behind_a_proxy_two_forwarded_addresses_are_two_clients(client, behind_a_proxy, settings):
    proxy = behind_a_proxy
    fail_logins(client, settings.AXES_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert log_in(client, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy) == 429
    assert log_in(Client(), HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy) == 302


def test_behind_a_proxy_an_address_the_client_prepends_does_not_escape_a_lockout(
    client, behind_a_proxy, settings
):
    proxy = behind_a_proxy
    fail_logins(client, settings.AXES_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    # The client sent "X-Forwarded-For: 192.0.2.99"; the proxy appended the address it saw.
    assert log_in(client, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7", **proxy) == 429


def test_behind_a_proxy_forged_public_addresses_do_not_escape_a_lockout(
    client, behind_a_proxy, settings, caplog
):
    proxy = behind_a_proxy
    with caplog.at_level(logging.WARNING, logger="wberp.security"):
        for i in range(settings.AXES_FAILURE_LIMIT):
            # The client writes a fresh public address each time; the proxy appends 10.0.0.5.
            fail_logins(client, 1, HTTP_X_FORWARDED_FOR=f"8.8.{i}.{i}, 10.0.0.5", **proxy)
    assert log_in(client, HTTP_X_FORWARDED_FOR="8.8.99.99, 10.0.0.5", **proxy) == 429
    logged = [r.getMessage() for r in caplog.records if r.name == "wberp.security"]
    assert logged and all(line.endswith("ip=10.0.0.5") for line in logged), logged


def test_behind_two_proxies_the_address_the_outer_one_added_is_the_clients(
    client, behind_a_proxy, settings
):
    settings.TRUSTED_PROXY_COUNT = 2
    proxy = behind_a_proxy
    chain = "8.8.8.8, 203.0.113.7, 10.0.0.2"  # forged, added by the outer, added by the inner
    fail_logins(client, settings.AXES_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR=chain, **proxy)
    assert log_in(client, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.2", **proxy) == 429
    assert log_in(Client(), HTTP_X_FORWARDED_FOR="203.0.113.8, 10.0.0.2", **proxy) == 302
