"""Two cabinets and the people who see them, for the tests that prove cabinet access.

Cabinet A and cabinet B each have a token (with its first check), a bulk check started by
their manager, a grant, an order, a sale, a finance report and a row of it, a cost price, an
upload and tax settings. The users all hold every model permission of the token desk, the
cabinets, cabinet access and cost prices, and may view sales and finance (none is a
superuser), so that what they see differs only by their cabinets:

- alpha: cabinet A, every area, read and change;
- beta: cabinet B, the same;
- accountant: cabinet A's finance and sales, read only, through the group "Accountants";
- reader: cabinet A's tokens, read only;
- chief: no grant, but "can see all cabinets".
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Model, Q
from django.utils import timezone

from access.models import Area, CabinetGrant, Level
from costs.models import CabinetEconomics, CostPrice, CostUpload
from finance.models import Report, ReportRow
from sales.models import Order, Sale
from sellers.models import Seller
from tokens.batches import check_batch_start
from tokens.models import CheckBatch, WBToken, WBTokenCheck
from tokens.services import token_create

EVERY_AREA = dict.fromkeys(Area.values, Level.CHANGE)
# user -> cabinet -> levels given; "chief" sees every cabinet.
SCOPES: dict[str, dict[str, dict[str, int]]] = {
    "alpha": {"A": EVERY_AREA},
    "beta": {"B": EVERY_AREA},
    "accountant": {"A": {Area.FINANCE: Level.VIEW, Area.SALES: Level.VIEW}},
    "reader": {"A": {Area.TOKENS: Level.VIEW}},
    "chief": {"A": EVERY_AREA, "B": EVERY_AREA},
}
USERS = tuple(SCOPES)
MANAGERS = {"A": "alpha", "B": "beta"}
MODEL_PERMISSIONS = (
    Q(content_type__app_label__in=["tokens", "access", "sync"])
    | Q(content_type__app_label="sellers", codename="view_seller")
    | Q(
        content_type__app_label__in=["sales", "finance", "catalog", "sync"],
        codename__startswith="view_",
    )
    | Q(content_type__app_label="costs")
)


@dataclass
class Cabinet:
    key: str
    seller: Seller
    token: WBToken
    batch: CheckBatch
    grant: CabinetGrant | None = None
    # Rows of its areas' data, by the name the crawl knows them by.
    rows: dict[str, Model] = field(default_factory=dict)

    @property
    def markers(self) -> list[str]:
        """What identifies the cabinet on a page: never to be shown to those not given it."""
        seller = self.seller
        return [seller.name, seller.trade_mark, seller.tin, seller.sid]

    def area_markers(self, area: str) -> list[str]:
        """What identifies the cabinet's data of an area: only for those given the area."""
        rows = self.rows
        return {
            Area.TOKENS: [self.token.name, str(self.token.pk)],
            Area.SALES: [rows["order"].srid, rows["sale"].sale_id],
            Area.FINANCE: [
                str(rows["report"].report_id),
                str(rows["reportrow"].rrd_id),
                rows["costprice"].vendor_code,
                rows["costupload"].file_name,
            ],
        }.get(area, [])


@dataclass
class World:
    users: dict
    cabinets: dict[str, Cabinet] = field(default_factory=dict)

    def level(self, user: str, cabinet: str, area: str | None) -> int:
        given = SCOPES[user].get(cabinet, {})
        if area is None:
            return max(given.values(), default=Level.NONE)
        return given.get(area, Level.NONE)


def make_world(wb) -> World:
    users = make_users()
    world = World(users=users)
    root = get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)
    for key, name in (("A", "Alpha Trading"), ("B", "Beta Goods")):
        raw = wb.mint(
            seller_name=f"{name} LLC",
            tin="77010000" + str(ord(key)),
            trade_mark=f"{name.split()[0]}Mark",
        )
        token = token_create(name=f"{name} shop", raw_token=raw, by=root)
        manager = users[MANAGERS[key]]
        batch = check_batch_start(tokens=[token], by=manager, trigger=WBTokenCheck.Trigger.BULK)
        world.cabinets[key] = Cabinet(key, token.seller, token, batch)
        world.cabinets[key].rows = data_rows(token.seller, number=ord(key))
    give_cabinets(world)
    return world


def data_rows(seller: Seller, *, number: int) -> dict[str, Model]:
    """An order, a sale, a finance report and a row of it, a cost price, an upload of them and
    the cabinet's tax settings, with ids no other cabinet has."""
    now, srid = timezone.now(), f"srid-{seller.sid[:8]}"
    report_id = 9_876_500 + number
    return {
        "order": Order.objects.create(seller=seller, srid=srid, date=now, last_change_date=now),
        "sale": Sale.objects.create(
            seller=seller, srid=srid, sale_id=f"S{number}77", date=now, last_change_date=now
        ),
        "report": Report.objects.create(
            seller=seller, report_id=report_id, date_from=now.date(), date_to=now.date()
        ),
        "reportrow": ReportRow.objects.create(
            seller=seller, report_id=report_id, rrd_id=5_432_100 + number
        ),
        "costprice": CostPrice.objects.create(
            seller=seller, vendor_code=f"COST-{number}77", valid_from=now.date(), cost=1
        ),
        "costupload": CostUpload.objects.create(seller=seller, file_name=f"costs-{number}77.csv"),
        "cabineteconomics": CabinetEconomics.objects.create(seller=seller),
    }


def make_users() -> dict:
    permissions = list(
        Permission.objects.filter(MODEL_PERMISSIONS).exclude(codename="see_all_cabinets")
    )
    users = {}
    for name in USERS:
        user = get_user_model().objects.create(username=name, is_staff=True)
        user.user_permissions.set(permissions)
        users[name] = user
    users["chief"].user_permissions.add(Permission.objects.get(codename="see_all_cabinets"))
    return users


def give_cabinets(world: World) -> None:
    accountants = Group.objects.create(name="Accountants")
    world.users["accountant"].groups.add(accountants)
    for user, cabinets in SCOPES.items():
        if user == "chief":
            continue
        for key, levels in cabinets.items():
            whom = {"group": accountants} if user == "accountant" else {"user": world.users[user]}
            grant = CabinetGrant.objects.create(seller=world.cabinets[key].seller, **whom, **levels)
            if user == MANAGERS[key]:
                world.cabinets[key].grant = grant
