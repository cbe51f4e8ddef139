"""The catalogue tables as the emulator's ground truth spells them, to compare the two."""

from catalog.models import Price, Product, Size, Stock, StockKind, Warehouse
from wbapi.moscow import parse_moment


def stored(seller) -> dict[str, object]:
    sizes: dict[int, list] = {}
    for size in (
        Size.objects.filter(seller=seller).select_related("product").prefetch_related("barcodes")
    ):
        sizes.setdefault(size.product.nm_id, []).append(
            (
                size.chrt_id,
                size.tech_size,
                size.wb_size,
                sorted(b.barcode for b in size.barcodes.all()),
            )
        )
    return {
        "cards": {
            p.nm_id: (p.vendor_code, p.title, p.wb_updated_at, sorted(sizes.get(p.nm_id, [])))
            for p in Product.objects.filter(seller=seller)
        },
        "prices": {
            p.chrt_id: (p.nm_id, p.price, p.discounted_price, p.discount, p.club_discount)
            for p in Price.objects.filter(seller=seller)
        },
        "warehouses": {
            w.warehouse_id: (w.name, w.office_id) for w in Warehouse.objects.filter(seller=seller)
        },
        "stocks": {
            (s.warehouse_id, s.chrt_id): s.quantity
            for s in Stock.objects.filter(seller=seller, kind=StockKind.FBS)
        },
        "fbw_stocks": {
            (s.warehouse_id, s.chrt_id): (s.nm_id, s.quantity, s.in_way_to_client)
            for s in Stock.objects.filter(seller=seller, kind=StockKind.FBW)
        },
    }


def truth(wb, seller) -> dict[str, object]:
    sid = seller.sid
    return {
        "cards": {
            c["nmID"]: (
                c["vendorCode"],
                c["title"],
                parse_moment(c["updatedAt"]),
                sorted(
                    (s["chrtID"], s["techSize"], s["wbSize"], sorted(s["skus"])) for s in c["sizes"]
                ),
            )
            for c in wb.truth(sid, "cards")
        },
        "prices": {
            s["sizeID"]: (
                g["nmID"],
                s["price"],
                s["discountedPrice"],
                g["discount"],
                g["clubDiscount"],
            )
            for g in wb.truth(sid, "prices")
            for s in g["sizes"]
        },
        "warehouses": {w["id"]: (w["name"], w["officeId"]) for w in wb.truth(sid, "warehouses")},
        "stocks": {(s["warehouseId"], s["chrtId"]): s["amount"] for s in wb.truth(sid, "stocks")},
        "fbw_stocks": {
            (s["warehouseId"], s["chrtId"]): (s["nmId"], s["quantity"], s["inWayToClient"])
            for s in wb.truth(sid, "fbw_stocks")
        },
    }
