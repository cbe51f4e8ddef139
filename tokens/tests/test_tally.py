"""The status tally: the database keeps it equal to a count of the token table."""

import re

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tokens.models import StatusTally, WBToken

from .conftest import bulk_tokens

pytestmark = pytest.mark.django_db

LIST = "/tokens/"
CHANGELIST = "/admin/tokens/wbtoken/"


def counted() -> dict[str, int]:
    return dict(WBToken.objects.order_by().values_list("status").annotate(tokens=Count("*")))


def tallied() -> dict[str, int]:
    return {status: tokens for status, tokens in StatusTally.objects.per_status().items() if tokens}


def test_orm_inserts_updates_and_deletes_keep_the_tally_exact():
    bulk_tokens(6)
    assert tallied() == {"valid": 6}

    token = WBToken.objects.get(name="Shop 0000")
    token.status = WBToken.Status.INVALID
    token.save()
    WBToken.objects.filter(name__in=["Shop 0001", "Shop 0002"]).update(status="expired")
    assert tallied() == counted() == {"valid": 3, "invalid": 1, "expired": 2}

    WBToken.objects.update(name="Renamed")  # no status changes: nothing to count
    assert tallied() == {"valid": 3, "invalid": 1, "expired": 2}

    WBToken.objects.filter(status="expired").first().delete()
    WBToken.objects.filter(status="valid").delete()
    assert tallied() == counted() == {"invalid": 1, "expired": 1}
    assert sum(StatusTally.objects.per_status().values()) == WBToken.objects.count() == 2


def test_a_statement_moving_tokens_both_ways_between_two_statuses_nets_out():
    bulk_tokens(4)
    WBToken.objects.filter(name__in=["Shop 0000", "Shop 0001"]).update(status="invalid")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tokens_wbtoken SET status ="
            " CASE WHEN status = 'valid' THEN 'invalid' ELSE 'valid' END"
        )
    assert tallied() == counted() == {"valid": 2, "invalid": 2}


def test_plain_sql_writes_are_counted_too():
    bulk_tokens(3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tokens_wbtoken SET status = 'expired' WHERE name = 'Shop 0001'")
        cursor.execute("DELETE FROM tokens_wbtoken WHERE name = 'Shop 0002'")
    assert tallied() == counted() == {"valid": 1, "expired": 1}


def test_a_rolled_back_change_leaves_the_tally_as_it_was():
    bulk_tokens(3)
    with pytest.raises(RuntimeError), transaction.atomic():
        WBToken.objects.update(status="invalid")
        WBToken.objects.filter(name="Shop 0002").delete()
        raise RuntimeError
    assert tallied() == counted() == {"valid": 3}


@pytest.mark.django_db(transaction=True)  # as a flush runs: outside any transaction
@pytest.mark.parametrize("tally_first", [True, False])
def test_emptying_the_tables_as_a_flush_does_leaves_an_empty_tally(tally_first):
    """TransactionTestCase and `manage.py flush` empty every table, in any order."""
    bulk_tokens(3)
    tally = StatusTally._meta.db_table
    # Every table of the desk, bulk checks included: PostgreSQL truncates none of them alone.
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("tokens").get_models()
        if model._meta.db_table != tally
    ]
    tables = [tally, *tables] if tally_first else [*tables, tally]
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)
    assert sum(StatusTally.objects.per_status().values()) == 0
    bulk_tokens(2)
    assert tallied() == counted() == {"valid": 2}


def counts_every_token_row(queries) -> bool:
    """Whether a COUNT over the token table without any condition was sent."""
    return any(
        re.search(r'COUNT\(.*FROM "tokens_wbtoken"', query["sql"]) and "WHERE" not in query["sql"]
        for query in queries.captured_queries
    )


@pytest.mark.parametrize("url", [LIST, CHANGELIST])
def test_whole_table_pages_count_from_the_tally_not_the_rows(manager, url):
    bulk_tokens(60)
    with CaptureQueriesContext(connection) as queries:
        response = manager.get(url)
    assert not counts_every_token_row(queries)
    paginator = response.context["page" if url == LIST else "cl"].paginator
    assert paginator.count == 60


@pytest.mark.parametrize("url", [LIST, CHANGELIST])
def test_filtered_pages_count_the_matching_rows(manager, url):
    bulk_tokens(60)
    WBToken.objects.filter(name__in=["Shop 0001", "Shop 0002"]).update(status="invalid")
    response = manager.get(url, {"status": "invalid"})
    paginator = response.context["page" if url == LIST else "cl"].paginator
    assert paginator.count == 2


def counts_rows_by_status(queries) -> bool:
    return any(
        re.search(r'COUNT\(.*FROM "tokens_wbtoken"', query["sql"]) and '"status"' in query["sql"]
        for query in queries.captured_queries
    )


@pytest.mark.parametrize(("status", "expected"), [("invalid", 2), ("problems", 3), ("valid", 57)])
def test_a_list_filtered_by_status_alone_is_counted_from_the_tally(manager, status, expected):
    bulk_tokens(60)
    WBToken.objects.filter(name__in=["Shop 0001", "Shop 0002"]).update(status="invalid")
    WBToken.objects.filter(name="Shop 0003").update(status="expired")
    with CaptureQueriesContext(connection) as queries:
        response = manager.get(LIST, {"status": status})
    assert response.context["page"].paginator.count == expected
    assert len(response.context["tokens"]) == min(expected, 25)
    assert not counts_rows_by_status(queries)


def test_a_status_filter_with_a_search_counts_the_matching_rows(manager):
    bulk_tokens(60)
    WBToken.objects.filter(name__in=["Shop 0001", "Shop 0002"]).update(status="invalid")
    response = manager.get(LIST, {"status": "invalid", "q": "Shop 0001"})
    assert response.context["page"].paginator.count == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_tokens_already_stored():
    executor = MigrationExecutor(connection)
    executor.migrate([("tokens", "0001_initial")])
    try:
        executor.loader.build_graph()
        old_token = executor.loader.project_state([("tokens", "0001_initial")]).apps.get_model(
            "tokens", "WBToken"
        )
        for number, status in enumerate(["valid", "valid", "invalid"]):
            old_token.objects.create(
                name=f"Shop {number}",
                ciphertext="v1:x:y",
                fingerprint=f"fp{number}",
                hint="abcd",
                token_type="personal",
                status=status,
                expires_at="2030-01-01T00:00:00Z",
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert tallied() == {"valid": 2, "invalid": 1}
