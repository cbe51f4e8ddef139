"""Whatever people type or paste, the token desk refuses it politely: never a crash, never
an echo of the token, never a row for something that is not a real token.

Property tests over arbitrary text (control characters, huge strings, any Unicode) and
near-JWTs built from random parts, through the service, the pages, the admin and the
commands. Now and then a real token minted by the WB emulator is mixed in, which must be
stored; everything else must be refused. WB is the emulator on loopback throughout.
"""

import base64
import html
import io
import itertools
import json
import sys
import time
import unicodedata
import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tokens.exceptions import TokenError
from tokens.models import WBToken
from tokens.services import token_create

from .conftest import ALL_PERMS

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# A submitted text this long that shows up in a page was echoed, not met by chance.
ECHO_LENGTH = 12
HTMX = {"HTTP_HX_REQUEST": "true"}

# --- Inputs -------------------------------------------------------------------------------

# Any Unicode, control characters included (a terminal's argv may even carry surrogates).
any_text = st.text(st.characters(codec="utf-8"), max_size=300)
argv_text = st.text(st.characters(exclude_categories=()), max_size=120)
# What breaks databases and parsers most often, drawn often...
AWKWARD = ["\x00", "\u202e", "\x1b", "\n", "\ufffe", "'", "%", "a", "-", "0"]
awkward_text = st.text(st.sampled_from(AWKWARD), min_size=1, max_size=70)
# ...and a lone surrogate, which Python makes of a byte a terminal could not decode (HTTP
# never delivers one: Django decodes request bytes with replacement).
awkward_argv = st.text(st.sampled_from([*AWKWARD, "\udcff"]), min_size=1, max_size=70)
huge_text = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=8), st.integers(600, 3000)
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    any_text,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)
# Claims WB tokens have, with values of any shape...
chaotic_claims = st.dictionaries(
    st.sampled_from(["exp", "s", "acc", "sid", "id", "oid", "t", "iat", "for"]) | any_text,
    json_value,
    max_size=8,
)
# ...or of the right shape with an expiry in the future, so that the token passes the local
# checks and it is WB (the emulator) that refuses it; its seller id may be any text.
future = st.integers(min_value=int(time.time()) + 3600, max_value=int(time.time()) + 10**8)
plausible_claims = st.fixed_dictionaries(
    {
        "exp": future,
        "s": st.integers(0, 2**31 - 1),
        "acc": st.integers(0, 5),
        "sid": st.one_of(st.uuids().map(str), any_text, awkward_argv),
        "id": st.one_of(st.uuids().map(str), any_text, awkward_argv),
    },
    optional={"t": st.booleans(), "oid": json_value, "iat": json_value, "for": json_value},
)
header = st.one_of(
    st.just({"alg": "HS256", "typ": "JWT"}), st.dictionaries(any_text, json_value, max_size=3)
)
signature = st.one_of(st.binary(min_size=1, max_size=64).map(b64url), any_text)
blank = st.text(st.sampled_from(" \t\r\n\x0b\x0c\u00a0\u2028\ufeff"), max_size=3)


@st.composite
def near_jwts(draw) -> str:
    parts = [
        b64url(json.dumps(draw(header)).encode()),
        b64url(json.dumps(draw(st.one_of(plausible_claims, chaotic_claims))).encode()),
        draw(st.one_of(signature, st.binary(min_size=16, max_size=64).map(b64url))),
    ]
    token = ".".join(parts)
    if draw(st.integers(0, 3)) == 0:  # damaged on the way: characters lost, added or replaced
        at = draw(st.integers(0, len(token)))
        token = token[:at] + draw(st.text(max_size=2)) + token[at + draw(st.integers(0, 2)) :]
    prefix = draw(st.sampled_from(["", "", "Bearer ", "bearer  "]))
    return draw(blank) + prefix + token + draw(blank)


pasted = st.one_of(any_text, huge_text, near_jwts(), near_jwts(), near_jwts())
# Mostly names that pass, so that the token behind them is read; any text now and then.
fine_name = st.builds(
    "{}{}".format,
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["Shop", "Ромашка"]),
)
names = st.one_of(fine_name, fine_name, any_text, huge_text, awkward_text)


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create(username="owner", is_staff=True, is_superuser=True)


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create(username="manager", is_staff=True)
    for codename in ALL_PERMS:
        user.user_permissions.add(Permission.objects.get(codename=codename.split(".")[1]))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_(boss):
    client = Client()
    client.force_login(boss)
    return client


@pytest.fixture
def real(wb):
    """Draw a pasted text, now and then a token the emulator accepts (which must be stored).

    Each real token is of a seller of its own, so that WB's per-seller limits never refuse it.
    """
    sellers = itertools.count()

    def draw(data) -> tuple[str, bool]:
        if data.draw(st.integers(0, 9), label="real?") == 0:
            return wb.mint(seller_name=f"Seller {next(sellers)} {uuid.uuid4()}"), True
        return data.draw(pasted, label="pasted"), False

    return draw


@pytest.fixture
def stored(make_token):
    """A token in the list, so that filters, sorting and pages have rows to work on."""
    return make_token("Stored shop", days=10)


def counts() -> tuple[int, int]:
    return WBToken.objects.count(), LogEntry.objects.count()


def valid_name(name: str) -> bool:
    """Whether a name is left once control characters and runs of spaces are cleaned away,
    and it has no invisible formatting characters."""
    spaced = "".join(" " if unicodedata.category(char) == "Cc" else char for char in name)
    visible = not any(unicodedata.category(char) == "Cf" for char in name)
    return 0 < len(" ".join(spaced.split())) <= 100 and visible


def echoed(raw: str, body: str, *also_sent: str) -> bool:
    """Whether a page shows the pasted text (long enough not to be there by chance)."""
    text = raw.strip()
    if len(text) < ECHO_LENGTH or any(text in sent for sent in also_sent):
        return False
    return text in body or html.escape(text) in body


# --- The service --------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data(), name=names | awkward_argv)
def test_the_service_stores_real_tokens_and_refuses_the_rest(boss, real, data, name):
    raw, is_real = real(data)
    before = counts()
    try:
        token = token_create(name=name, raw_token=raw, by=boss)
    except TokenError as exc:
        event(f"refused: {exc.code}")
        assert not (is_real and valid_name(name)), exc.message
        assert counts() == before, "a refused token left rows behind"
        assert not echoed(raw, exc.message, name)
    else:
        assert is_real and valid_name(name)
        assert token.hint == raw.strip()[-4:]
        assert counts() == (before[0] + 1, before[1] + 1)


@EXAMPLES
@given(name=st.one_of(names, argv_text, awkward_argv))
@example(name="Shop\x00 one")  # PostgreSQL cannot store a NUL
@example(name="\udcffShop")  # nor can any database a lone surrogate
def test_a_real_token_is_stored_under_any_name_that_can_be_cleaned(boss, wb, name):
    raw = wb.mint(seller_name=f"Seller {uuid.uuid4()}")
    try:
        token = token_create(name=name, raw_token=raw, by=boss)
    except TokenError as exc:
        assert exc.code in ("name_required", "name_too_long", "name_invisible_characters")
    else:
        token.refresh_from_db()
        assert token.name == token.name.strip() and token.name
        assert not any(unicodedata.category(char) in ("Cc", "Cs", "Cf") for char in token.name)


# --- Pages --------------------------------------------------------------------------------


def check_page(response, raw: str, *also_sent: str) -> None:
    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    assert not echoed(raw, body + headers, *also_sent), "the page shows the pasted token"


def forged(claims: dict) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}.{b64url(b'not-the-signature')}"


@EXAMPLES
@given(claims=plausible_claims)
@example(claims={"exp": 4102444800, "s": 2, "acc": 3, "sid": "a\x00b", "id": "x"})
@example(claims={"exp": 4102444800, "s": 2, "acc": 3, "sid": "\udcff", "id": "x"})
@example(claims={"exp": 4102444800, "s": 2, "acc": 3, "sid": "s" * 65, "id": "i" * 65})
def test_a_made_up_token_is_refused_whatever_its_claims(boss, wb, claims):
    """Its seller id reaches the database (the circuit breaker) before WB is asked."""
    before = counts()
    with pytest.raises(TokenError):
        token_create(name="Shop", raw_token=forged(claims), by=boss)
    assert counts() == before


@EXAMPLES
@given(data=st.data(), name=names, htmx=st.booleans())
def test_the_add_page_never_fails_or_echoes(manager, real, data, name, htmx):
    raw, is_real = real(data)
    before = counts()
    response = manager.post(
        reverse("tokens:add"), {"name": name, "raw_token": raw}, **(HTMX if htmx else {})
    )
    check_page(response, raw, name)
    if not is_real:
        assert counts() == before


@EXAMPLES
@given(raw=pasted)
def test_the_live_preview_never_fails_or_echoes(manager, raw):
    before = counts()
    check_page(manager.post(reverse("tokens:preview"), {"raw_token": raw}, **HTMX), raw)
    assert counts() == before


@EXAMPLES
@given(data=st.data(), name=names)
def test_the_admin_add_form_never_fails_or_echoes(admin_client_, real, data, name):
    raw, is_real = real(data)
    before = counts()
    response = admin_client_.post(
        reverse("admin:tokens_wbtoken_add"), {"name": name, "raw_token": raw}
    )
    check_page(response, raw, name)
    if not is_real:
        assert counts() == before


list_keys = st.sampled_from(["q", "status", "type", "expiring", "category", "sort", "page"])
# Each changelist with the parameters it reads: search, order, page, its list filters.
CHANGELISTS = {
    "admin:tokens_wbtoken_changelist": [
        "status__exact",
        "token_type__exact",
        "is_test__exact",
        "expiring",
        "category",
        "read_only",
    ],
    "admin:auth_user_changelist": [
        "is_staff__exact",
        "is_superuser__exact",
        "is_active__exact",
        "groups__id__exact",
    ],
    "admin:axes_accessattempt_changelist": [
        "path_info",
        "attempt_time__gte",
        "attempt_time__lt",
        "locked_out",
    ],
}
COMMON_CHANGELIST_KEYS = ["q", "o", "p", "e", "all", "_changelist_filters", "_to_field", "_popup"]
query_values = st.one_of(
    any_text,
    awkward_text,
    st.integers().map(str),
    st.sampled_from(["", "-", "0", "-1", "9" * 30, "14", "expired", "valid", "-name"]),
)


def has_nul(query: dict) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in query.items())


@EXAMPLES
@given(query=st.dictionaries(list_keys | any_text, query_values, max_size=6), htmx=st.booleans())
def test_the_token_list_takes_any_query(manager, stored, query, htmx):
    response = manager.get(reverse("tokens:list"), query, **(HTMX if htmx else {}))
    # A NUL is refused for the whole site (RejectNulMiddleware); anything else shows a list.
    assert response.status_code == (400 if has_nul(query) else 200)


changelist_keys = st.sampled_from(
    sorted({key for keys in CHANGELISTS.values() for key in keys} | set(COMMON_CHANGELIST_KEYS))
)


@pytest.mark.parametrize("changelist", CHANGELISTS)
@EXAMPLES
@given(query=st.dictionaries(changelist_keys | any_text, query_values, max_size=6))
# The admin's list filters pass their values to the database unchecked.
@example(query={"status__exact": "\x00"})
@example(query={"path_info": "a\x00"})
# Year 1 at midnight is before the calendar starts once moved to UTC from Moscow.
@example(query={"attempt_time__gte": "00010101"})
def test_the_admin_changelists_take_any_query(admin_client_, stored, changelist, query):
    response = admin_client_.get(reverse(changelist), query)
    assert response.status_code < 500  # 400 for a NUL, or a _to_field the admin refuses


# --- Commands -----------------------------------------------------------------------------


def run(*args: str, stdin: str = "") -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command("wb_tokens", *args, stdout=stdout, stderr=stderr)
    finally:
        sys.stdin = saved
    return stdout.getvalue() + stderr.getvalue()


@EXAMPLES
@given(data=st.data(), name=argv_text | awkward_argv)
def test_the_add_command_reads_any_stdin_and_never_echoes_it(boss, real, data, name):
    raw, is_real = real(data)
    before = counts()
    try:
        output = run("add", f"--name={name}", stdin=raw)
    except CommandError as exc:
        assert not echoed(raw, str(exc), name)
        assert counts() == before
    else:
        assert is_real and valid_name(name)
        assert not echoed(raw, output, name)
        assert counts()[0] == before[0] + 1


@EXAMPLES
@given(ids=st.lists(argv_text, min_size=1, max_size=3))
def test_the_check_command_refuses_ids_of_nothing(stored, ids):
    with pytest.raises(CommandError):
        run("check", "--", *ids)  # after "--" even "--all" is an ID


@EXAMPLES
@given(days=st.integers(min_value=-(2**70), max_value=2**70))
def test_the_list_command_takes_any_number_of_days(stored, days):
    try:
        run("list", f"--expiring-days={days}")
    except CommandError:
        assert not 0 <= days <= 3650
    else:
        assert 0 <= days <= 3650
