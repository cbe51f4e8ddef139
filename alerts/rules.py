"""The conditions that hold now, one per (rule, subject): each rule reads the database.

A rule's condition names its subject (what it is about, e.g. a token's id), the cabinet it
concerns (who may hear of it) and the details its messages show.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from finance.models import Report
from finance.reconciliation import reconcile
from tokens.models import WBToken

from .models import Rule

# Who hears of a token is decided by its cabinet: a token without one concerns nobody yet.
TOKENS = WBToken.objects.filter(seller__isnull=False).select_related("seller")


@dataclass(frozen=True)
class Condition:
    rule: str
    subject: str
    seller_id: int | None
    details: dict = field(default_factory=dict, compare=False)


def token_details(token: WBToken) -> dict:
    return {
        "token": token.name,
        "token_id": str(token.pk),
        "seller": token.seller.display_name,
        "expires_at": token.expires_at.isoformat(),
        "status": token.status,
    }


def tokens_expiring(rule: str, days: int) -> Callable[[datetime], Iterator[Condition]]:
    def conditions(now: datetime) -> Iterator[Condition]:
        for token in TOKENS.expiring_within(days, now=now).exclude(is_test=True):
            yield Condition(rule, str(token.pk), token.seller_id, token_details(token))

    return conditions


def tokens_failing(now: datetime) -> Iterator[Condition]:
    failing = (WBToken.Status.INVALID, WBToken.Status.ACCESS_DENIED)
    for token in TOKENS.filter(status__in=failing):
        yield Condition(Rule.TOKEN_FAILING, str(token.pk), token.seller_id, token_details(token))


# Reports this recent are reconciled on every evaluation; older ones no longer change.
RECENT_REPORTS = timedelta(weeks=8)


def reports_unreconciled(now: datetime) -> Iterator[Condition]:
    """Reports WB has listed (so their totals are known) whose rows or sales disagree."""
    since = timezone.localdate(now) - RECENT_REPORTS
    reports = Report.objects.filter(listed=True, date_to__gte=since).select_related("seller")
    for report in reports:
        result = reconcile(report, shown=0)
        if not result.ok:
            yield Condition(
                Rule.REPORT_UNRECONCILED,
                str(report.pk),
                report.seller_id,
                {
                    "report_id": report.report_id,
                    "sid": report.seller.sid,
                    "seller": report.seller.display_name,
                    "date_from": report.date_from.isoformat(),
                    "date_to": report.date_to.isoformat(),
                    "totals_ok": result.totals_ok,
                    "not_in_sales": result.not_in_sales_count,
                    "not_in_report": result.not_in_report_count,
                },
            )


RULES: dict[str, Callable[[datetime], Iterator[Condition]]] = {
    Rule.TOKEN_EXPIRING_30: tokens_expiring(Rule.TOKEN_EXPIRING_30, 30),
    Rule.TOKEN_EXPIRING_14: tokens_expiring(Rule.TOKEN_EXPIRING_14, 14),
    Rule.TOKEN_EXPIRING_3: tokens_expiring(Rule.TOKEN_EXPIRING_3, 3),
    Rule.TOKEN_FAILING: tokens_failing,
    Rule.REPORT_UNRECONCILED: reports_unreconciled,
}


def conditions_now(now: datetime) -> dict[tuple[str, str], Condition]:
    return {
        (condition.rule, condition.subject): condition
        for conditions in RULES.values()
        for condition in conditions(now)
    }
