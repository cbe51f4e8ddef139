"""What a fired condition says, in the reader's language (the site's, for e-mail and webhooks)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gateway.messages import describe
from jobs.schedules import Every
from sync.registry import dataset_named
from tokens.models import WBToken

from .models import AlertState, Rule


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    path: str  # where in wberp to act on it


def message_for(state: AlertState) -> Message:
    details = state.details
    title = str(Rule(state.rule).label) if state.rule in Rule.values else state.rule
    values = {
        "token": details.get("token", ""),
        "seller": details.get("seller", "") or _("no cabinet"),
    }
    if state.rule == Rule.REPORT_UNRECONCILED:
        return report_message(title, details)
    if state.rule in STREAM_TEXTS:
        return stream_message(state.rule, title, details)
    if state.rule == Rule.STOCK_RUNNING_OUT:
        return stock_message(title, details)
    path = reverse("tokens:detail", args=[details["token_id"]])
    if state.rule == Rule.TOKEN_FAILING:
        values["status"] = WBToken.Status(details["status"]).label
        text = _(
            "WB refuses the token “%(token)s” of %(seller)s (%(status)s). Create a new token in "
            "the seller cabinet and add it here."
        )
    else:
        expires = parse_datetime(details["expires_at"])
        values["date"] = formats.date_format(timezone.localtime(expires), "DATE_FORMAT")
        text = _(
            "The token “%(token)s” of %(seller)s expires on %(date)s — create a new one in the "
            "seller cabinet and add it here (WB tokens cannot be renewed)."
        )
    return Message(title=title, text=text % values, path=path)


def report_message(title: str, details: dict) -> Message:
    values = {
        "report": details["report_id"],
        "seller": details["seller"],
        "start": formats.date_format(date.fromisoformat(details["date_from"]), "DATE_FORMAT"),
        "end": formats.date_format(date.fromisoformat(details["date_to"]), "DATE_FORMAT"),
    }
    text = _("The finance report %(report)s of %(seller)s (%(start)s – %(end)s) does not add up:")
    problems = []
    if not details["totals_ok"]:
        problems.append(_("its rows differ from its totals"))
    if details["not_in_sales"]:
        problems.append(
            ngettext(
                "%(count)d of its sales is missing from the stored sales",
                "%(count)d of its sales are missing from the stored sales",
                details["not_in_sales"],
            )
            % {"count": details["not_in_sales"]}
        )
    if details["not_in_report"]:
        problems.append(
            ngettext(
                "%(count)d stored sale is missing from it",
                "%(count)d stored sales are missing from it",
                details["not_in_report"],
            )
            % {"count": details["not_in_report"]}
        )
    path = reverse(
        "finance:report", kwargs={"sid": details["sid"], "report_id": details["report_id"]}
    )
    return Message(title=title, text=f"{text % values} {'; '.join(problems)}.", path=path)


def stream_blocked_text(values: dict, details: dict) -> str:
    return (
        _(
            "The sync of %(dataset)s of %(seller)s has stopped: %(reason)s It resumes when a token "
            "of the cabinet is added, replaced or checked."
        )
        % values
    )


def stream_failing_text(values: dict, details: dict) -> str:
    return ngettext(
        "The sync of %(dataset)s of %(seller)s has failed %(runs)d run in a row: %(reason)s",
        "The sync of %(dataset)s of %(seller)s has failed %(runs)d runs in a row: %(reason)s",
        details["runs"],
    ) % {**values, "runs": details["runs"]}


def data_stale_text(values: dict, details: dict) -> str:
    as_of = timezone.localtime(parse_datetime(details["as_of"]))
    every = Every(timedelta(seconds=details["interval_seconds"])).describe()
    return _(
        "%(dataset)s of %(seller)s is as of %(time)s, though it is synced %(every)s: see the "
        "cabinet's sync."
    ) % {**values, "time": formats.date_format(as_of, "DATETIME_FORMAT"), "every": every}


STREAM_TEXTS = {
    Rule.STREAM_BLOCKED: stream_blocked_text,
    Rule.STREAM_FAILING: stream_failing_text,
    Rule.DATA_STALE: data_stale_text,
}


def stream_message(rule: str, title: str, details: dict) -> Message:
    """A cabinet's dataset: stopped, failing, or its data too old."""
    try:
        dataset = str(dataset_named(details["dataset"]).label)
    except LookupError:  # a dataset no longer installed
        dataset = details["dataset"]
    values = {
        "dataset": dataset,
        "seller": details["seller"],
        "reason": describe(details["error_code"], details["error_detail"])
        if details["error_code"]
        else "",
    }
    text = STREAM_TEXTS[rule](values, details)
    return Message(title=title, text=text, path=reverse("sync:cabinet", args=[details["sid"]]))


def stock_message(title: str, details: dict) -> Message:
    product = details["vendor_code"] or details["title"] or str(details["nm_id"])
    text = _(
        "%(product)s (nmID %(nm_id)s) of %(seller)s: %(stock)s in stock, %(per_day)s sold a day "
        "over the last 14 days — about %(days)s days left."
    ) % {
        "product": product,
        "nm_id": details["nm_id"],
        "seller": details["seller"],
        "stock": formats.number_format(details["stock"], force_grouping=True),
        "per_day": formats.number_format(details["per_day"], 1),
        "days": formats.number_format(details["days_left"], 1),
    }
    path = reverse("catalog:product", kwargs={"sid": details["sid"], "nm_id": details["nm_id"]})
    return Message(title=title, text=text, path=path)
