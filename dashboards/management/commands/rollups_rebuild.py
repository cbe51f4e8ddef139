"""manage.py rollups_rebuild [--seller SID] [--since DATE] — recompute the daily rollups.

Ingest keeps them up to date; this is for after a restore, a manual fix of raw rows, or the
first deployment of the dashboards over rows synced before. Each cabinet is rebuilt in its own
transaction, so the dashboards show either the old or the new figures of a cabinet.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from dashboards.services import rollups_rebuild
from sellers.models import Seller


class Command(BaseCommand):
    help = _("Recompute the dashboards' daily rollups from the stored orders, sales and reports.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", metavar="SID", help=_("Only this cabinet."))
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            type=self.day,
            help=_("Only the days from this Moscow day on."),
        )

    @staticmethod
    def day(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            message = _("Not a date: %(text)s (use YYYY-MM-DD).") % {"text": text}
            raise CommandError(message) from None

    def handle(self, *args, seller: str | None, since: date | None, **options) -> None:
        sellers = Seller.objects.order_by("sid")
        if seller:
            sellers = sellers.filter(sid=seller)
            if not sellers.exists():
                raise CommandError(_("No cabinet with seller ID %(sid)s.") % {"sid": seller})
        for cabinet in sellers.iterator():
            rollups_rebuild(seller=cabinet, since=since)
            self.stdout.write(_("Rebuilt the rollups of %(sid)s.") % {"sid": cabinet.sid})
