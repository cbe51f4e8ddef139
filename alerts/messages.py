"""What a fired condition says, in the reader's language (the site's, for e-mail and webhooks)."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
