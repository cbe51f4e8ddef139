"""`api_tokens list|revoke --user NAME` work within NAME's own tokens, as the pages do."""

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from api.models import APIToken
from api.services import api_token_create

from .conftest import ALL_TOKEN_PERMS

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(make_user) -> dict[str, APIToken]:
    """A token of anna's and one of boris's."""
    made = {}
    for name in ("anna", "boris"):
        user = make_user(name, staff=True, perms=ALL_TOKEN_PERMS)
        made[name], _raw = api_token_create(user=user, name=f"{name}'s cron")
    return made


def api_tokens(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("api_tokens", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_users_list_holds_only_their_own_tokens(tokens):
    listing = api_tokens("list", "--user", "anna")
    assert tokens["anna"].public_id in listing and tokens["boris"].public_id not in listing
    everyone = api_tokens("list")
    assert all(token.public_id in everyone for token in tokens.values())


def test_another_users_token_is_no_token_to_revoke_as_an_unknown_one(tokens):
    for public_id in (tokens["boris"].public_id, "ffffffffffff"):
        with pytest.raises(CommandError, match=f"^No API token {public_id}.$"):
            api_tokens("revoke", public_id, "--user", "anna")
    tokens["boris"].refresh_from_db()
    assert tokens["boris"].revoked_at is None


def test_a_user_revokes_their_own_token_under_their_name_in_the_history(tokens):
    token = tokens["anna"]
    LogEntry.objects.all().delete()
    api_tokens("revoke", token.public_id, "--user", "anna")
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = LogEntry.objects.get(object_id=str(token.pk))
    assert entry.user.username == "anna" and entry.is_change()
