"""Fixtures shared by every app's tests: users of each role and their clients."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.test import Client

# The fixtures that read a cabinet's WB data straight from an emulator, for the apps that
# store it (a plugin of its own, so that only tests import the WB client).
pytest_plugins = ["wberp.tests.wbdata", "wberp.tests.browser"]

# The suite's longest files (from half a minute to over a minute of a worker each), handed
# out first: pytest-xdist gives each worker the next file in collection order (`make test`
# turns off its own reordering, which puts the files of many tests first and so these last),
# and one of these started at the end would leave the other worker idle for its length.
LONGEST_FILES = (
    "sync/tests/test_workers.py",
    "access/tests/test_cabinet_crawl.py",
    "wberp/tests/test_canary.py",
    "wberp/tests/test_devserver.py",
    "wberp/tests/test_permission_crawl.py",
    "wberp/tests/test_headers.py",
    "tokens/tests/test_reliability.py",
    "sync/tests/test_faults.py",
    "tokens/tests/test_browser.py",
    "sales/tests/test_browser.py",
    "wberp/tests/test_db_outage.py",
)

PASSWORD = "correct-horse-battery-staple"
# The seller a minted token belongs to unless a test says otherwise.
SELLER = "ООО Ромашка"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: number for number, path in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, as in production, not Django's in-memory one:
    so it runs in WAL mode with IMMEDIATE transactions, and worker processes can share it."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "wberp.sqlite":
        test_name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_name)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Every test user's password is hashed with a fast hasher: the production one is slow by
    design (about half a second a hash), and tests make users and log in by the hundred."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches, as a freshly started server does."""
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, *, staff: bool = False, superuser: bool = False, perms=()):
        user = django_user_model.objects.create_user(
            username=username,
            password=PASSWORD,
            is_staff=staff or superuser,
            is_superuser=superuser,
        )
        for codename in perms:
            app_label, _, name = codename.partition(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=name)
            )
        return user

    return make


@pytest.fixture
def plain_user(make_user):
    """Active, authenticated, but not staff."""
    return make_user("customer")


@pytest.fixture
def staff_user(make_user):
    """Staff without any permission."""
    return make_user("clerk", staff=True)


@pytest.fixture
def superuser(make_user):
    return make_user("boss", superuser=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plain_client(plain_user) -> Client:
    return client_for(plain_user)


@pytest.fixture
def staff_client(staff_user) -> Client:
    return client_for(staff_user)


# WB's rate limits, sped up alike in the emulator and in the app's shared budget (the
# emulator's --speed and WB_RATE_SPEED), so that tests keep to WB's limits without waiting
# WB's real minutes.
TEST_RATE_SPEED = 200


@pytest.fixture(scope="session")
def wb_emulator():
    """One local WB emulator for the whole run, over real HTTP on loopback."""
    from wbapi.emulator.testing import EmulatorServer

    server = EmulatorServer(speed=TEST_RATE_SPEED)
    yield server
    server.stop()


@pytest.fixture
def wb(wb_emulator, settings):
    """The emulator, reset, with the app pointed at it and short timeouts."""
    wb_emulator.reset()
    settings.WB_RATE_SPEED = TEST_RATE_SPEED
    settings.WB_API_BASE_URL = wb_emulator.base_url
    settings.WB_API_LOCAL_EMULATOR = True  # a local emulator on purpose: no configuration error
    settings.WB_API_READ_TIMEOUT = 1.0
    settings.WB_API_DEADLINE = 2.5
    yield wb_emulator
    wb_emulator.reset()


@pytest.fixture
def mint(wb):
    """Mint a token the emulator accepts: a personal token of seller "ООО Ромашка" by default."""

    def mint(**options) -> str:
        options.setdefault("categories", "content,statistics,prices")
        options.setdefault("seller_name", SELLER)
        options.setdefault("tin", "7700000000")
        options.setdefault("trade_mark", "Romashka")
        return wb.mint(**options)

    return mint


@pytest.fixture
def make_token(mint, superuser):
    """Store a minted token through the service, as staff would."""

    from tokens.services import token_create

    def make(name: str = "Main shop", **options):
        return token_create(name=name, raw_token=mint(**options), by=superuser)

    return make
