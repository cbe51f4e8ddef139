from __future__ import annotations

import pytest

from wbapi.claims import CATEGORY_BITS
from wbapi.errors import SandboxUnavailable
from wbapi.hosts import (
    CATEGORY_HOSTS,
    DEFAULT_BASE_URL,
    HOST_CATEGORIES,
    PING_HOSTS,
    SANDBOX_HOSTS,
    build_url,
    first_sandbox_host,
    host_for,
    is_production_base_url,
    validate_base_url,
)


@pytest.mark.parametrize(
    ("category", "host"),
    [
        ("common", "common-api"),
        ("content", "content-api"),
        ("analytics", "seller-analytics-api"),
        ("prices", "discounts-prices-api"),
        ("marketplace", "marketplace-api"),
        ("statistics", "statistics-api"),
        ("promotion", "advert-api"),
        ("feedbacks", "feedbacks-api"),
        ("chat", "buyer-chat-api"),
        ("supplies", "supplies-api"),
        ("returns", "returns-api"),
        ("documents", "documents-api"),
        ("finance", "finance-api"),
        ("users", "user-management-api"),
    ],
)
def test_it_sends_each_category_to_its_production_host(category, host):
    assert host_for(category, sandbox=False) == host


@pytest.mark.parametrize(
    ("category", "host"),
    [
        ("content", "content-api-sandbox"),
        ("prices", "discounts-prices-api-sandbox"),
        ("marketplace", "marketplace-api-sandbox"),
        ("feedbacks", "feedbacks-api-sandbox"),
    ],
)
def test_it_sends_test_tokens_to_the_sandbox_host(category, host):
    assert host_for(category, sandbox=True) == host


@pytest.mark.parametrize(
    "category", ["common", "analytics", "statistics", "promotion", "finance", "documents", "users"]
)
def test_it_refuses_a_sandbox_host_for_a_category_without_one(category):
    with pytest.raises(SandboxUnavailable) as caught:
        host_for(category, sandbox=True)

    assert caught.value.categories == (category,)
    assert category in str(caught.value)


def test_it_rejects_an_unknown_category():
    with pytest.raises(ValueError, match="Unknown WB API category"):
        host_for("stocks", sandbox=False)


def test_it_says_the_retired_recommendations_category_has_no_host():
    with pytest.raises(ValueError, match="no longer has an API host"):
        host_for("recommendations", sandbox=False)


def test_every_category_but_the_retired_one_has_a_host():
    named = set(CATEGORY_BITS.values()) - {"recommendations"}

    assert named <= set(CATEGORY_HOSTS)


def test_the_first_sandbox_host_follows_the_token_categories_in_bit_order():
    assert first_sandbox_host(("statistics", "marketplace", "feedbacks")) == (
        "marketplace-api-sandbox"
    )


def test_there_is_no_sandbox_host_for_categories_without_one():
    with pytest.raises(SandboxUnavailable):
        first_sandbox_host(("statistics", "finance"))


def test_ping_is_served_by_every_main_host_and_every_sandbox_host():
    assert len(PING_HOSTS) == len(set(PING_HOSTS)) == 18
    assert set(SANDBOX_HOSTS) <= set(PING_HOSTS)
    assert "dp-calendar-api" not in PING_HOSTS
    assert HOST_CATEGORIES["dp-calendar-api"] == "prices"
    assert HOST_CATEGORIES["advert-media-api"] == "promotion"


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        (DEFAULT_BASE_URL, "https://content-api.wildberries.ru/ping"),
        ("http://127.0.0.1:8010/{host}", "http://127.0.0.1:8010/content-api/ping"),
        ("http://127.0.0.1:8010/{host}/", "http://127.0.0.1:8010/content-api/ping"),
    ],
)
def test_it_builds_urls_from_a_base_url_template(base_url, url):
    assert build_url(base_url, "content-api", "/ping") == url


@pytest.mark.parametrize(
    ("base_url", "production"),
    [
        ("https://{host}.wildberries.ru", True),
        ("https://{host}.wildberries.ru/", True),
        ("https://{host}.WILDBERRIES.ru", True),
        ("http://{host}.wildberries.ru", False),
        ("https://{host}.wildberries.ru.example.com", False),
        ("https://{host}.wildberries.ru/proxy", False),
        ("https://{host}-wildberries.ru", False),
        ("http://127.0.0.1:8010/{host}", False),
    ],
)
def test_only_wbs_own_https_template_counts_as_production(base_url, production):
    assert is_production_base_url(base_url) is production


@pytest.mark.parametrize(
    "base_url",
    [DEFAULT_BASE_URL, "http://127.0.0.1:8010/{host}", "http://emulator:8010/{host}"],
)
def test_it_accepts_usable_base_url_templates(base_url):
    validate_base_url(base_url)


@pytest.mark.parametrize(
    ("base_url", "complaint"),
    [
        ("https://common-api.wildberries.ru", "exactly once"),
        ("https://{host}.{host}.ru", "exactly once"),
        ("https://{host}.wildberries.{tld}", "no placeholder"),
        ("ftp://{host}.example.com", "http:// or https://"),
        ("{host}", "http:// or https://"),
        ("https:///{host}", "http:// or https://"),
        ("https://user:secret@{host}.example.com", "user name or password"),
        ("https://{host}.example.com/?key=1", "query string"),
    ],
)
def test_it_rejects_unusable_base_url_templates_saying_why(base_url, complaint):
    with pytest.raises(ValueError, match=complaint):
        validate_base_url(base_url)
