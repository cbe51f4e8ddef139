"""The token desk within a user's cabinets: what lists and counts show, which tokens a bulk
check takes, whose tokens may be added, and the commands run with --user."""

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from sellers.selectors import overview
from tokens.models import CheckBatch, WBToken
from tokens.selectors import TokenFilters, token_list_page

from .world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(wb):
    return make_world(wb)


def client_of(world, user: str) -> Client:
    client = Client()
    client.force_login(world.users[user])
    client.cookies["django_language"] = "en"
    return client


def tokens_named(world, *keys: str) -> set[str]:
    return {world.cabinets[key].token.name for key in keys}


@pytest.mark.parametrize(
    ("user", "cabinets", "with_tokens"),
    [
        ("alpha", "A", "A"),
        ("beta", "B", "B"),
        ("accountant", "A", ""),
        ("reader", "A", "A"),
        ("chief", "AB", "AB"),
    ],
)
def test_lists_and_counts_are_of_the_users_cabinets_only(world, user, cabinets, with_tokens):
    who = world.users[user]
    page = token_list_page(TokenFilters(), user=who, page_number=None)
    assert {token.name for token in page["tokens"]} == tokens_named(world, *with_tokens)
    assert page["counts"]["total"] == page["page"].paginator.count == len(with_tokens)
    # Filtered by status alone, the count comes from the per-status figures: theirs too.
    by_status = token_list_page(TokenFilters(statuses=("valid",)), user=who, page_number=None)
    assert by_status["page"].paginator.count == len(with_tokens)
    figures = overview(who)
    assert (figures.cabinets, figures.tokens) == (len(cabinets), len(with_tokens))
    assert {check.token.name for check in figures.recent_checks} == tokens_named(
        world, *with_tokens
    )
    sellers = client_of(world, user).get(reverse("sellers:list")).content.decode()
    for key, cabinet in world.cabinets.items():
        assert (cabinet.seller.name in sellers) == (key in cabinets)


def test_a_search_finds_nothing_of_another_cabinet(world):
    alpha = client_of(world, "alpha")
    beta = world.cabinets["B"]
    for query in (beta.seller.name, beta.seller.sid, beta.seller.tin, beta.token.hint):
        answer = alpha.get(reverse("tokens:list"), {"q": query}).content.decode()
        assert beta.token.name not in answer
    answer = alpha.get(reverse("sellers:list"), {"q": beta.seller.sid}).content.decode()
    assert "No cabinet matches this search." in answer


def test_read_only_tokens_show_no_buttons_to_change_them(world):
    page = client_of(world, "reader").get(world.cabinets["A"].token.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    token = world.cabinets["A"].token
    for name in ("tokens:edit", "tokens:delete", "tokens:check"):
        assert reverse(name, args=[token.pk]) not in content
    listed = client_of(world, "reader").get(reverse("tokens:list")).content.decode()
    assert reverse("tokens:edit", args=[token.pk]) not in listed
    own = client_of(world, "alpha").get(reverse("tokens:list")).content.decode()
    assert reverse("tokens:edit", args=[token.pk]) in own


def test_check_all_shown_takes_only_tokens_the_user_may_change(world):
    client_of(world, "reader").post(reverse("tokens:check_all"))
    client_of(world, "alpha").post(reverse("tokens:check_all"))
    reader_batch = CheckBatch.objects.get(created_by=world.users["reader"])
    alpha_batch = CheckBatch.objects.filter(created_by=world.users["alpha"]).latest("created_at")
    assert reader_batch.total == 0
    assert [item.token for item in alpha_batch.items.all()] == [world.cabinets["A"].token]


def test_the_admin_action_checks_only_tokens_of_the_users_cabinets(world):
    alpha = client_of(world, "alpha")
    both = [str(cabinet.token.pk) for cabinet in world.cabinets.values()]
    alpha.post(
        reverse("admin:tokens_wbtoken_changelist"),
        {"action": "check_selected", "_selected_action": both},
    )
    batch = CheckBatch.objects.filter(created_by=world.users["alpha"]).latest("created_at")
    assert [item.token for item in batch.items.all()] == [world.cabinets["A"].token]


def test_a_token_of_a_cabinet_not_given_is_refused_alike_stored_or_new(world, wb):
    alpha = client_of(world, "alpha")
    refusal = "This token is of a cabinet whose tokens you have not been given"
    of_beta = wb.mint(seller_name="Beta Goods LLC")  # a second token of a stored cabinet
    of_nobody = wb.mint(seller_name="Gamma Unknown LLC")  # of a cabinet not stored
    for raw in (of_beta, of_nobody):
        answer = alpha.post(reverse("tokens:add"), {"name": "Mine", "raw_token": raw})
        assert refusal in answer.content.decode()
        admin = alpha.post(reverse("admin:tokens_wbtoken_add"), {"name": "M", "raw_token": raw})
        assert refusal in admin.content.decode()
    own = world.cabinets["A"].token
    answer = alpha.post(
        reverse("tokens:edit", args=[own.pk]),
        {"name": own.name, "raw_token": of_beta, "allow_other_seller": "on"},
    )
    assert refusal in answer.content.decode()
    assert WBToken.objects.count() == 2
    assert wb.request_count(path="/api/v1/seller-info") == 2  # the two stored: none since


def test_a_new_token_of_their_own_cabinet_is_added(world, wb):
    alpha = client_of(world, "alpha")
    raw = wb.mint(seller_name="Alpha Trading LLC")
    alpha.post(reverse("tokens:add"), {"name": "Second", "raw_token": raw})
    assert WBToken.objects.get(name="Second").seller == world.cabinets["A"].seller


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    sys_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = sys_stdin
    return out.getvalue()


def test_commands_with_user_see_and_touch_only_that_users_cabinets(world, wb):
    listed = json.loads(run("wb_tokens", "list", "--json", "--user", "alpha"))
    assert [token["name"] for token in listed] == ["Alpha Trading shop"]
    assert not json.loads(run("wb_tokens", "list", "--json", "--user", "accountant"))
    assert len(json.loads(run("wb_tokens", "list", "--json"))) == 2  # the operator's own
    beta = str(world.cabinets["B"].token.pk)
    for command in (("check", beta), ("delete", beta, "--yes"), ("check", beta[:8])):
        with pytest.raises(CommandError, match="No token"):
            run("wb_tokens", *command, "--user", "alpha")
    with pytest.raises(CommandError, match="No token"):  # read-only: nothing to change
        run("wb_tokens", "delete", str(world.cabinets["A"].token.pk), "--yes", "--user", "reader")
    run("wb_tokens", "check", "--all", "--user", "alpha")
    batch = CheckBatch.objects.filter(created_by=world.users["alpha"]).latest("created_at")
    assert [item.token for item in batch.items.all()] == [world.cabinets["A"].token]
    with pytest.raises(CommandError, match="have not been given"):
        run(
            "wb_tokens",
            "add",
            "--name",
            "X",
            "--user",
            "alpha",
            stdin=wb.mint(seller_name="Beta Goods LLC"),
        )
    assert WBToken.objects.count() == 2
