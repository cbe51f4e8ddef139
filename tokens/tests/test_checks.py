"""System checks that refuse to start with unusable token keys or a wrong WB address."""

import base64
from pathlib import Path

import pytest
from django.core import checks
from django.core.checks import Error, Warning

from gateway.checks import check_wb_base_url
from tokens.checks import check_token_keys
from wberp.envfile import generate_aes_key

KEY_A = generate_aes_key()
KEY_B = generate_aes_key()
FINGERPRINT_KEY = generate_aes_key()
# The development stand-ins of wberp/settings.py.
DEV_KEY = "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtMDAwMDAwMDA"
DEV_FINGERPRINT_KEY = "ZGV2LW9ubHktZmluZ2VycHJpbnQta2V5LTAwMDAwMDA"
SHORT_KEY = base64.urlsafe_b64encode(b"k" * 16).decode()
EMULATOR_URL = "http://127.0.0.1:8010/{host}"
PRODUCTION_URL = "https://{host}.wildberries.ru"

BAD_KEYS = [
    pytest.param([], FINGERPRINT_KEY, "WB_TOKEN_KEYS is empty", id="missing"),
    pytest.param([SHORT_KEY], FINGERPRINT_KEY, "16 bytes instead of 32", id="wrong-length"),
    pytest.param(["%%%%"], FINGERPRINT_KEY, "not valid base64", id="malformed"),
    pytest.param([KEY_A, KEY_A], FINGERPRINT_KEY, "listed twice", id="duplicate"),
    pytest.param([KEY_A], "", "0 bytes instead of 32", id="missing-fingerprint-key"),
    pytest.param([KEY_A], KEY_A, "must differ", id="fingerprint-key-reused"),
]


@pytest.fixture
def good_settings(settings):
    settings.WB_TOKEN_KEYS = [KEY_A, KEY_B]
    settings.WB_TOKEN_FINGERPRINT_KEY = FINGERPRINT_KEY
    settings.WB_API_BASE_URL = PRODUCTION_URL
    settings.DEBUG = False
    return settings


def only(messages: list) -> checks.CheckMessage:
    assert len(messages) == 1, messages
    return messages[0]


# --- Keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_good_keys_pass(good_settings, debug):
    good_settings.DEBUG = debug
    assert check_token_keys() == []


@pytest.mark.parametrize(("keys", "fingerprint_key", "reason"), BAD_KEYS)
def test_unusable_keys_are_an_error_when_debug_is_off(good_settings, keys, fingerprint_key, reason):
    good_settings.WB_TOKEN_KEYS = keys
    good_settings.WB_TOKEN_FINGERPRINT_KEY = fingerprint_key

    message = only(check_token_keys())

    assert type(message) is Error and message.is_serious()
    assert message.id == "tokens.E001"
    assert reason in message.msg
    assert "generate_keys" in message.hint
    for key in (*keys, fingerprint_key):
        assert not key or key not in message.msg


@pytest.mark.parametrize(("keys", "fingerprint_key", "reason"), BAD_KEYS)
def test_unusable_keys_are_a_warning_in_debug(good_settings, keys, fingerprint_key, reason):
    good_settings.DEBUG = True
    good_settings.WB_TOKEN_KEYS = keys
    good_settings.WB_TOKEN_FINGERPRINT_KEY = fingerprint_key

    message = only(check_token_keys())

    assert type(message) is Warning and not message.is_serious()
    assert message.id == "tokens.E001" and reason in message.msg


def test_the_development_keys_are_a_warning_in_debug(good_settings):
    good_settings.DEBUG = True
    good_settings.WB_TOKEN_KEYS = [DEV_KEY]
    good_settings.WB_TOKEN_FINGERPRINT_KEY = DEV_FINGERPRINT_KEY

    message = only(check_token_keys())

    assert type(message) is Warning
    assert message.id == "tokens.W002"
    assert "development keys" in message.msg and "generate_keys" in message.hint


def test_the_development_keys_are_refused_when_debug_is_off(good_settings):
    good_settings.WB_TOKEN_KEYS = [DEV_KEY]
    good_settings.WB_TOKEN_FINGERPRINT_KEY = DEV_FINGERPRINT_KEY

    message = only(check_token_keys())

    assert type(message) is Error and message.id == "tokens.W002"


@pytest.mark.parametrize(
    ("keys", "fingerprint_key"),
    [
        pytest.param([KEY_A, DEV_KEY], FINGERPRINT_KEY, id="old-dev-key-kept-for-decryption"),
        pytest.param([KEY_A], DEV_FINGERPRINT_KEY, id="dev-fingerprint-key"),
    ],
)
def test_any_development_key_among_real_ones_is_reported(good_settings, keys, fingerprint_key):
    good_settings.DEBUG = True
    good_settings.WB_TOKEN_KEYS = keys
    good_settings.WB_TOKEN_FINGERPRINT_KEY = fingerprint_key
    assert only(check_token_keys()).id == "tokens.W002"


def test_the_development_keys_are_the_settings_defaults():
    from wberp import settings as project_settings

    assert base64.urlsafe_b64decode(DEV_KEY + "=").startswith(b"dev-only-")
    source = Path(project_settings.__file__).read_text(encoding="utf-8")
    assert DEV_KEY in source and DEV_FINGERPRINT_KEY in source


def test_the_key_check_is_registered(good_settings):
    good_settings.WB_TOKEN_KEYS = [KEY_A, KEY_A]
    ids = [message.id for message in checks.run_checks(tags=[checks.Tags.security])]
    assert "tokens.E001" in ids


# --- WB address ---------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_the_production_url_passes(good_settings, debug):
    good_settings.DEBUG = debug
    assert check_wb_base_url() == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://common-api.wildberries.ru", id="no-placeholder"),
        pytest.param("https://{host}.{host}.wildberries.ru", id="placeholder-twice"),
        pytest.param("https://{host}.wildberries.ru/{path}", id="other-placeholder"),
        pytest.param("ftp://{host}.wildberries.ru", id="not-http"),
        pytest.param("https://user:pw@{host}.wildberries.ru", id="credentials"),
        pytest.param("https://{host}.wildberries.ru/?x=1", id="query"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_an_unusable_url_is_an_error_even_in_debug(good_settings, url, debug):
    good_settings.DEBUG = debug
    good_settings.WB_API_BASE_URL = url

    message = only(check_wb_base_url())

    assert type(message) is Error and message.id == "gateway.E001"
    assert message.msg.startswith("WB_API_BASE_URL is not usable: ")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(EMULATOR_URL, id="emulator"),
        pytest.param("http://{host}.wildberries.ru", id="plain-http"),
        pytest.param("https://{host}.wildberries.ru.example.com", id="look-alike"),
        pytest.param("https://{host}.wildberries.ru/proxy", id="with-path"),
    ],
)
def test_a_non_production_url_is_an_error_when_debug_is_off(good_settings, url):
    good_settings.WB_API_BASE_URL = url

    message = only(check_wb_base_url())

    assert type(message) is Error and message.id == "gateway.E002"
    assert "emulator" in message.hint


def test_the_emulator_url_is_accepted_in_debug(good_settings):
    good_settings.DEBUG = True
    good_settings.WB_API_BASE_URL = EMULATOR_URL
    assert check_wb_base_url() == []


def test_a_local_emulator_named_on_purpose_is_only_a_warning_when_debug_is_off(good_settings):
    good_settings.WB_API_LOCAL_EMULATOR = True
    good_settings.WB_API_BASE_URL = EMULATOR_URL
    message = only(check_wb_base_url())
    assert type(message) is Warning and message.id == "gateway.W003"


@pytest.mark.parametrize(
    "url", ["http://{host}.wildberries.ru", "http://emulator.example.com:8010/{host}"]
)
def test_the_local_emulator_setting_allows_no_other_plain_http_host(good_settings, url):
    good_settings.WB_API_LOCAL_EMULATOR = True
    good_settings.WB_API_BASE_URL = url
    assert only(check_wb_base_url()).id == "gateway.E002"


def test_the_url_check_is_registered(good_settings):
    good_settings.WB_API_BASE_URL = EMULATOR_URL
    ids = [message.id for message in checks.run_checks(tags=[checks.Tags.security])]
    assert "gateway.E002" in ids
