"""Migration 0003 moves wave-1 tokens' seller columns into seller cabinets, and back."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("tokens", "0002_status_tally")]
AFTER = [("tokens", "0003_sellers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def make_wave_one_tokens(apps) -> dict:
    WBToken = apps.get_model("tokens", "WBToken")
    WBTokenCheck = apps.get_model("tokens", "WBTokenCheck")
    now = timezone.now()

    def token(number: int, **fields):
        defaults = {
            "name": f"Shop {number}",
            "ciphertext": "v1:x:y",
            "fingerprint": f"fp{number}",
            "hint": "abcd",
            "token_type": "personal",
            "expires_at": now + timedelta(days=90),
            "status": "valid",
        }
        return WBToken.objects.create(**{**defaults, **fields})

    seller_a = {"seller_sid": "sid-a", "seller_oid": 101, "trade_mark": "TM-A", "country": "RU"}
    older = token(1, **seller_a, seller_name="A old name", last_checked_at=now - timedelta(days=2))
    newer = token(2, **seller_a, seller_name="A", seller_tin="7700000001", last_checked_at=now)
    other = token(3, seller_sid="sid-b", seller_name="B", status="invalid")
    limited = token(4, seller_sid="sid-b", seller_name="B", status="unavailable")
    WBTokenCheck.objects.create(token=limited, trigger="manual", outcome="valid")
    WBTokenCheck.objects.create(token=limited, trigger="manual", outcome="unavailable")
    never_answered = token(5, seller_sid="sid-b", status="unavailable")
    return {t.name: t.pk for t in (older, newer, other, limited, never_answered)}


@pytest.mark.django_db(transaction=True)
def test_sellers_are_made_from_wave_one_tokens_and_restored_on_the_way_back():
    old_apps = migrate(BEFORE)
    ids = make_wave_one_tokens(old_apps)
    try:
        apps = migrate(AFTER)
        Seller, WBToken = apps.get_model("sellers", "Seller"), apps.get_model("tokens", "WBToken")
        sellers = {seller.sid: seller for seller in Seller.objects.all()}
        assert set(sellers) == {"sid-a", "sid-b"}
        a = sellers["sid-a"]
        # The most recently checked token's values win.
        assert (a.name, a.tin, a.oid, a.trade_mark, a.country) == (
            "A",
            "7700000001",
            101,
            "TM-A",
            "RU",
        )
        tokens = {token.name: token for token in WBToken.objects.all()}
        assert {name: tokens[name].seller.sid for name in tokens} == {
            "Shop 1": "sid-a",
            "Shop 2": "sid-a",
            "Shop 3": "sid-b",
            "Shop 4": "sid-b",
            "Shop 5": "sid-b",
        }
        # "unavailable" is no longer a status: the last answer WB gave, or "not checked".
        assert tokens["Shop 4"].status == "valid"
        assert tokens["Shop 5"].status == "unchecked"
        tally = dict(
            apps.get_model("tokens", "StatusTally").objects.values_list("status", "tokens")
        )
        assert {k: v for k, v in tally.items() if v} == {"valid": 3, "invalid": 1, "unchecked": 1}

        back = migrate(BEFORE)
        restored = {t.pk: t for t in back.get_model("tokens", "WBToken").objects.all()}
        assert restored[ids["Shop 1"]].seller_name == "A"  # the cabinet's name, on every token
        assert restored[ids["Shop 3"]].seller_sid == "sid-b"
        assert restored[ids["Shop 2"]].seller_tin == "7700000001"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_status_tally_triggers_still_count_after_the_migration():
    migrate(BEFORE)
    apps = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    WBToken = apps.get_model("tokens", "WBToken")
    Tally = apps.get_model("tokens", "StatusTally")
    WBToken.objects.create(
        name="New",
        ciphertext="v1:x:y",
        fingerprint="fp-new",
        hint="abcd",
        token_type="personal",
        expires_at=timezone.now() + timedelta(days=1),
        status="invalid",
    )
    assert Tally.objects.get(status="invalid").tokens == 1
