"""A cabinet's catalogue pages: products, a product and stocks, per role and per cabinet."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from catalog.models import StockKind
from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make, snapshot_make
from conftest import client_for
from sellers.models import Seller
from sync.models import SyncStream

pytestmark = pytest.mark.django_db
CATALOG_PERMS = [
    "access.see_all_cabinets",
    "catalog.view_product",
    "catalog.view_stock",
    "sync.view_syncstream",
]


@pytest.fixture
def seller():
    return Seller.objects.create(sid="seller-a", name="Cabinet A")


@pytest.fixture
def other_seller():
    return Seller.objects.create(sid="seller-b", name="Cabinet B")


@pytest.fixture
def viewer(make_user):
    """Staff who may see the catalogue and the sync, reading English."""
    client = client_for(make_user("catalogue-viewer", staff=True, perms=CATALOG_PERMS))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def catalogue(seller):
    """Three products: a dress on two warehouses, a shirt out of stock, a coat without price."""
    return {
        "dress": product_make(
            seller,
            101,
            vendor_code="DRESS-1",
            title="Summer dress",
            brand="Alpha",
            subject="Dresses",
            sizes=[
                SizeSpec(1011, "S", ("2000000000011",), Decimal("2000"), 25, {FBS_HOME: 3}),
                SizeSpec(1012, "M", ("2000000000012",), Decimal("2400"), 25, {FBW_KOLEDINO: 7}),
            ],
        ),
        "shirt": product_make(
            seller,
            102,
            vendor_code="SHIRT-2",
            title="Linen shirt",
            brand="Beta",
            subject="Shirts",
            sizes=[SizeSpec(1021, "L", ("2000000000021",), Decimal("900"), 0, {FBS_HOME: 0})],
        ),
        "coat": product_make(
            seller,
            103,
            vendor_code="COAT-3",
            title="Wool coat",
            brand="Alpha",
            subject="Coats",
            sizes=[SizeSpec(1031, "XL", (), None, 0, {})],
        ),
    }


def products_url(seller) -> str:
    return reverse("catalog:products", args=[seller.sid])


def shown_codes(response) -> list[str]:
    return [product.vendor_code for product in response.context["page"].object_list]


# --- Products ----------------------------------------------------------------------------------


def test_each_product_shows_its_price_with_discount_and_its_stock(viewer, seller, catalogue):
    response = viewer.get(products_url(seller))
    assert response.status_code == 200
    rows = {product.vendor_code: product for product in response.context["page"].object_list}
    dress = rows["DRESS-1"]
    assert (dress.price_from, dress.price_to, dress.list_price, dress.discount) == (
        Decimal("1500"),
        Decimal("1800"),
        Decimal("2000"),
        25,
    )
    assert dress.stock == 10  # 3 on the seller's warehouse and 7 on WB's
    assert rows["SHIRT-2"].stock == 0
    assert rows["COAT-3"].price_from is None
    assert "1,500–1,800" in response.text or "1500–1800" in response.text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("dress", ["DRESS-1"]),  # vendor code or title, any case
        ("linen", ["SHIRT-2"]),
        ("103", ["COAT-3"]),  # the nmID
        ("2000000000012", ["DRESS-1"]),  # a barcode of one of its sizes
        ("  wool   coat ", ["COAT-3"]),  # spaces do not matter
        ("nothing like it", []),
    ],
)
def test_search_finds_by_vendor_code_nm_id_barcode_and_title(
    viewer, seller, catalogue, query, found
):
    assert shown_codes(viewer.get(products_url(seller), {"q": query})) == found


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"brand": "Alpha"}, ["COAT-3", "DRESS-1"]),
        ({"subject": "Shirts"}, ["SHIRT-2"]),
        ({"stock": "in"}, ["DRESS-1"]),
        ({"stock": "out"}, ["COAT-3", "SHIRT-2"]),
        ({"brand": "Alpha", "stock": "out"}, ["COAT-3"]),
    ],
)
def test_filters_narrow_the_list(viewer, seller, catalogue, params, found):
    assert shown_codes(viewer.get(products_url(seller), params)) == found


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("vendor_code", ["COAT-3", "DRESS-1", "SHIRT-2"]),
        ("-nm_id", ["COAT-3", "SHIRT-2", "DRESS-1"]),
        ("price", ["SHIRT-2", "DRESS-1", "COAT-3"]),  # without a price: last, either way
        ("-price", ["DRESS-1", "SHIRT-2", "COAT-3"]),
        ("-stock", ["DRESS-1", "COAT-3", "SHIRT-2"]),
    ],
)
def test_the_list_sorts_by_a_column(viewer, seller, catalogue, sort, order):
    assert shown_codes(viewer.get(products_url(seller), {"sort": sort})) == order


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"sort": "evil"},
        {"sort": "price; DROP TABLE catalog_product"},
        {"brand": "No such brand"},
        {"stock": "maybe"},
        {"q": "x" * 5000},
        {"q": "%_\\"},
    ],
)
def test_a_bad_query_parameter_shows_a_list_not_an_error(viewer, seller, catalogue, params):
    response = viewer.get(products_url(seller), params)
    assert response.status_code == 200


def test_an_unknown_filter_value_is_left_out_and_the_rest_apply(viewer, seller, catalogue):
    response = viewer.get(products_url(seller), {"brand": "Nope", "sort": "evil", "stock": "in"})
    assert shown_codes(response) == ["DRESS-1"]


def test_pages_go_on_without_counting(viewer, seller, monkeypatch):
    monkeypatch.setattr("catalog.views.PAGE_SIZE", 2)
    for nm_id in range(1, 6):
        product_make(seller, nm_id, vendor_code=f"P{nm_id}")
    first = viewer.get(products_url(seller))
    third = viewer.get(products_url(seller), {"page": "3"})
    assert shown_codes(first) == ["P1", "P2"]
    assert first.context["page"].has_next
    assert shown_codes(third) == ["P5"]
    assert not third.context["page"].has_next
    assert "Page 3" in third.text
    assert 'href="?page=2"' in third.text
    with CaptureQueriesContext(connection) as queries:
        viewer.get(products_url(seller), {"page": "2"})
    counts = [
        query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()
    ]
    assert not [sql for sql in counts if "catalog_" in sql]  # the navigation may count its own


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_queries_of_a_page_do_not_grow_with_its_rows(viewer, seller):
    one = product_make(
        seller, 1, sizes=[SizeSpec(11, barcodes=("b11",), stocks={FBS_HOME: 1, FBW_KOLEDINO: 1})]
    )
    few = {url: queries_for(viewer, url) for url in (products_url(seller), stocks_url(seller))}
    few_sizes = queries_for(viewer, product_url(one))
    for nm_id in range(2, 41):
        sizes = [
            SizeSpec(nm_id * 10 + n, barcodes=(f"b{nm_id}{n}",), stocks={FBS_HOME: 2})
            for n in range(3)
        ]
        product_make(seller, nm_id, sizes=sizes)
    for url, count in few.items():
        assert queries_for(viewer, url) == count, url
    many = product_make(
        seller,
        99,
        sizes=[
            SizeSpec(990 + n, barcodes=(f"c{n}", f"d{n}"), stocks={FBS_HOME: n}) for n in range(9)
        ],
    )
    assert queries_for(viewer, product_url(many)) == few_sizes


def test_an_htmx_request_gets_only_the_table(viewer, seller, catalogue):
    response = viewer.get(products_url(seller), {"q": "dress"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="product-table">')
    assert "DRESS-1" in response.text
    assert "<html" not in response.text


def test_a_cabinet_without_products_says_when_they_come(viewer, seller):
    response = viewer.get(products_url(seller))
    assert "No products yet" in response.text
    assert reverse("sync:cabinet", args=[seller.sid]) in response.text


def test_a_search_that_finds_nothing_says_so(viewer, seller, catalogue):
    response = viewer.get(products_url(seller), {"q": "zzz"})
    assert "No product matches these filters." in response.text


def test_the_products_of_another_cabinet_are_not_shown(viewer, seller, other_seller, catalogue):
    product_make(other_seller, 999, vendor_code="THEIRS")
    assert "THEIRS" not in shown_codes(viewer.get(products_url(seller)))
    assert shown_codes(viewer.get(products_url(other_seller))) == ["THEIRS"]


def test_the_page_says_how_fresh_its_data_are(viewer, seller, catalogue):
    moment = timezone.now()
    SyncStream.objects.create(seller=seller, dataset="cards", last_success_at=moment)
    response = viewer.get(products_url(seller))
    with translation.override("en"):
        time = formats.time_format(timezone.localtime(moment), "TIME_FORMAT")
    assert f"Product cards: as of {time}." in response.text
    assert "Prices and discounts: not synced yet." in response.text
    assert "WB refreshes them every 30 minutes." in response.text  # the FBW stocks report


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["catalog:products", "catalog:stocks"])
def test_an_unknown_cabinet_answers_404(viewer, name):
    assert viewer.get(reverse(name, args=["no-such-seller"])).status_code == 404


def test_a_product_of_another_cabinet_answers_404(viewer, seller, other_seller, catalogue):
    theirs = product_make(other_seller, 999)
    url = reverse("catalog:product", args=[seller.sid, theirs.nm_id])
    assert viewer.get(url).status_code == 404
    assert viewer.get(reverse("catalog:product", args=[seller.sid, 2**63])).status_code == 404


@pytest.mark.parametrize("name", ["catalog:products", "catalog:stocks"])
def test_staff_without_the_permission_are_refused(staff_client, seller, name):
    assert staff_client.get(reverse(name, args=[seller.sid])).status_code == 403


def test_people_who_are_not_staff_are_refused(client, plain_client, seller):
    response = client.get(products_url(seller))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert plain_client.get(products_url(seller)).status_code == 403


def test_the_cabinet_page_links_to_the_data_pages_its_reader_may_see(make_user, seller):
    pages = ("catalog:products", "catalog:stocks", "sync:cabinet")
    everything = client_for(
        make_user("all", staff=True, perms=["sellers.view_seller", *CATALOG_PERMS])
    )
    cabinet_only = client_for(make_user("cabinets", staff=True, perms=["sellers.view_seller"]))
    url = reverse("sellers:detail", args=[seller.sid])
    full, bare = everything.get(url).text, cabinet_only.get(url).text
    for name in pages:
        assert reverse(name, args=[seller.sid]) in full
        assert reverse(name, args=[seller.sid]) not in bare


# --- A product ---------------------------------------------------------------------------------


def product_url(product) -> str:
    return reverse("catalog:product", args=[product.seller.sid, product.nm_id])


def test_a_product_shows_its_sizes_barcodes_prices_and_stock_by_warehouse(viewer, catalogue):
    response = viewer.get(product_url(catalogue["dress"]))
    assert response.status_code == 200
    view = response.context["view"]
    assert [(row.size.tech_size, row.quantity) for row in view.sizes] == [("S", 3), ("M", 7)]
    assert [(w.kind, w.warehouse_name, w.quantity) for w in view.warehouses] == [
        (StockKind.FBS, "Home warehouse", 3),
        (StockKind.FBW, "Коледино", 7),
    ]
    assert "2000000000011" in response.text
    assert "1,500" in response.text or "1500" in response.text
    assert "WB's prices list has no history" in response.text


def test_a_product_without_snapshots_says_its_history_is_to_come(viewer, catalogue):
    response = viewer.get(product_url(catalogue["dress"]))
    assert response.context["chart"] is None
    assert "No daily stock yet" in response.text
    assert "<svg" not in response.text


def test_the_daily_stock_is_a_chart_with_a_tooltip_a_day_and_a_summary(viewer, seller, catalogue):
    today = timezone.localdate()
    for days_ago, quantity in [(3, 12), (2, 0), (0, 30)]:  # one day has no snapshot
        snapshot_make(seller, today - timedelta(days=days_ago), 1011, quantity)
    snapshot_make(seller, today, 1012, 5)
    response = viewer.get(product_url(catalogue["dress"]))
    chart = response.context["chart"]
    assert [bar.tooltip for bar in chart.chart.bars] == [
        f"{(today - timedelta(days=3)):%m/%d/%Y}: 12 units",
        f"{(today - timedelta(days=2)):%m/%d/%Y}: 0 units",
        f"{today:%m/%d/%Y}: 35 units",
    ]
    assert response.text.count("<rect ") == 3
    assert "3 days with a snapshot" in chart.summary
    assert "Highest 35 units" in chart.summary
    assert 'role="img"' in response.text
    assert "<script" not in response.text.split("<main", 1)[1]
    assert ' style="' not in response.text


# --- Stocks ------------------------------------------------------------------------------------


def stocks_url(seller) -> str:
    return reverse("catalog:stocks", args=[seller.sid])


def test_stocks_are_listed_by_warehouse_and_size_with_totals(viewer, seller, catalogue):
    response = viewer.get(stocks_url(seller))
    assert response.status_code == 200
    totals = [(t.kind, t.warehouse_name, t.sizes, t.quantity) for t in response.context["totals"]]
    assert totals == [
        (StockKind.FBS, "Home warehouse", 2, 3),
        (StockKind.FBW, "Коледино", 1, 7),
    ]
    assert response.context["total_quantity"] == 10
    rows = [(s.vendor_code, s.tech_size, s.quantity) for s in response.context["page"].object_list]
    assert sorted(rows) == [("DRESS-1", "M", 7), ("DRESS-1", "S", 3), ("SHIRT-2", "L", 0)]


@pytest.mark.parametrize(
    ("params", "quantities"),
    [
        ({"kind": "fbw"}, [7]),
        ({"kind": "fbs"}, [3, 0]),
        ({"warehouse": "1"}, [3, 0]),
        ({"in_stock": "in"}, [3, 7]),
        ({"q": "shirt"}, [0]),
        ({"sort": "-quantity"}, [3, 0, 7]),  # FBS first, then FBW; each by quantity
        ({"warehouse": "abc", "kind": "evil", "page": "x", "sort": "no"}, [3, 0, 7]),
    ],
)
def test_stock_filters_narrow_the_rows_and_the_totals(
    viewer, seller, catalogue, params, quantities
):
    response = viewer.get(stocks_url(seller), params)
    assert response.status_code == 200
    assert [stock.quantity for stock in response.context["page"].object_list] == quantities
    assert response.context["total_quantity"] == sum(quantities)


def test_a_cabinet_without_stocks_says_when_they_come(viewer, seller):
    assert "No stocks yet" in viewer.get(stocks_url(seller)).text


def test_stock_filters_that_match_nothing_say_so(viewer, seller, catalogue):
    assert "No stock matches these filters." in viewer.get(stocks_url(seller), {"q": "zzz"}).text
