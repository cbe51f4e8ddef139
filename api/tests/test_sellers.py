"""/api/v1/sellers/: cursor pages stable under inserts, CSV, one cabinet, permissions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import cursor_page
from api.services import api_token_create
from sellers.models import Seller

from .conftest import SELLER, APIClient, api_client_for

pytestmark = pytest.mark.django_db

SELLERS = "/api/v1/sellers/"


@pytest.fixture
def reader(make_user) -> APIClient:
    return api_client_for(
        make_user("reader", staff=True, perms=["access.see_all_cabinets", "sellers.view_seller"])
    )


def sellers(*names: str) -> list[Seller]:
    return Seller.objects.bulk_create(Seller(sid=f"sid-{name}", name=name) for name in names)


def all_pages(client, **query) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        body = client.get(SELLERS, {**query, **({"cursor": cursor} if cursor else {})}).json()
        pages.append([row["name"] for row in body["data"]])
        if not (cursor := body["next_cursor"]):
            return pages


def test_pages_follow_the_name_order_and_end_without_a_cursor(reader):
    sellers("Delta", "Alpha", "Charlie", "Bravo", "Echo")
    assert all_pages(reader, limit=2) == [["Alpha", "Bravo"], ["Charlie", "Delta"], ["Echo"]]


def test_rows_added_while_paging_neither_repeat_nor_push_others_out(reader):
    sellers("B", "D", "F", "H")
    first = reader.get(SELLERS, {"limit": 2}).json()
    sellers("A", "C", "E")  # before and between the pages already read
    rest = reader.get(SELLERS, {"limit": 10, "cursor": first["next_cursor"]}).json()
    names = [row["name"] for row in first["data"] + rest["data"]]
    assert names == ["B", "D", "E", "F", "H"]


def test_one_name_shared_by_many_cabinets_pages_by_seller_id(reader):
    Seller.objects.bulk_create(Seller(sid=f"s{number}", name="Same") for number in range(5))
    pages = all_pages(reader, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert reader.get(SELLERS, {"limit": 5}).json()["next_cursor"] is None


def test_a_page_is_a_constant_number_of_queries_and_never_a_count(reader, make_token):
    make_token()
    sellers(*(f"Seller {number:03d}" for number in range(150)))
    with CaptureQueriesContext(connection) as few:
        reader.get(SELLERS, {"limit": 5})
    with CaptureQueriesContext(connection) as many:
        page = reader.get(SELLERS, {"limit": 100}).json()
    assert len(page["data"]) == 100
    assert len(many) == len(few)
    assert not any("COUNT(" in query["sql"].upper() for query in many.captured_queries)


def test_the_search_is_the_list_pages(reader):
    sellers("Ромашка", "Лютик")
    assert all_pages(reader, search="Ром") == [["Ромашка"]]


@pytest.mark.parametrize("cursor", ["not-base64!", "bm90IGpzb24", "WzFd", "WyJhIiwiYiIsImMiXQ"])
def test_a_cursor_the_list_did_not_give_is_a_400(reader, cursor):
    response = reader.get(SELLERS, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"format": "xml"}])
def test_bounds_are_a_422(reader, query):
    assert reader.get(SELLERS, query).status_code == 422


def test_a_cabinet_with_its_tokens_and_what_they_let_wberp_read(reader, make_token):
    token = make_token(categories="content,statistics")
    response = reader.get(f"{SELLERS}{token.seller.sid}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == SELLER and body["inn"] == "7700000000"
    assert body["coverage"]["content"] is True and body["coverage"]["finance"] is False
    assert body["tokens"] == [{"id": str(token.pk), "name": "Main shop", "status": "valid"}]
    assert reader.get(f"{SELLERS}no-such-seller/").json() == {"detail": "Not found."}


def test_csv_by_format_or_accept_with_every_row_from_the_cursor_on(reader):
    sellers("Alpha", "=HYPERLINK(1)", "Bravo")
    by_format = reader.get(SELLERS, {"format": "csv", "limit": 1})
    by_accept = reader.get(SELLERS, HTTP_ACCEPT="text/csv")
    for response in (by_format, by_accept):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = b"".join(response.streaming_content).decode()
        assert text.startswith("\ufeffsid,name,inn,trade_mark,country,content,")
        lines = text.splitlines()
        assert len(lines) == 4  # the limit is the JSON page's, not the export's
        assert lines[1].startswith("sid-=HYPERLINK(1),'=HYPERLINK(1),")
    cursor = reader.get(SELLERS, {"limit": 2}).json()["next_cursor"]
    rest = reader.get(SELLERS, {"format": "csv", "cursor": cursor, "delimiter": "semicolon"})
    lines = b"".join(rest.streaming_content).decode().splitlines()
    assert lines[0].startswith("\ufeffsid;name;") and lines[1].startswith("sid-Bravo;Bravo;")


def test_a_csv_export_reads_the_table_a_chunk_at_a_time(reader, monkeypatch):
    monkeypatch.setattr("api.pagination.STREAM_CHUNK", 2)
    sellers("A", "B", "C", "D", "E")
    with CaptureQueriesContext(connection) as queries:
        text = b"".join(reader.get(SELLERS, {"format": "csv"}).streaming_content).decode()
    assert len(text.splitlines()) == 6
    chunk_reads = [q for q in queries.captured_queries if 'FROM "sellers_seller"' in q["sql"]]
    assert len(chunk_reads) == 3


def test_viewing_cabinets_takes_their_permission_and_an_api_tokens_scope(staff_user, make_user):
    assert api_client_for(staff_user).get(SELLERS).status_code == 403
    owner = make_user(
        "owner",
        staff=True,
        perms=["access.see_all_cabinets", "sellers.view_seller", "tokens.view_wbtoken"],
    )
    _token, tokens_only = api_token_create(user=owner, name="x", scopes=["tokens:read"])
    _token, sellers_too = api_token_create(user=owner, name="y")
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {tokens_only}").get(SELLERS).status_code == 403
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {sellers_too}").get(SELLERS).status_code == 200


def test_cursor_page_orders_descending_too():
    sellers("A", "B", "C")
    first = cursor_page(Seller.objects.all(), order=("-name", "-sid"), cursor=None, limit=2)
    rest = cursor_page(
        Seller.objects.all(), order=("-name", "-sid"), cursor=first.next_cursor, limit=2
    )
    assert [s.name for s in first.rows + rest.rows] == ["C", "B", "A"]
    assert rest.next_cursor is None


def test_a_bad_cursor_is_refused_before_a_csv_export_starts(reader):
    response = reader.get(SELLERS, {"format": "csv", "cursor": "WzFd"})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]
