"""manage.py wb_tokens list|add|check|delete — the token desk from a terminal or cron.

The token is read from standard input or a hidden prompt, never from the
command line, where it would stay in the shell history and the process list.
"""

import getpass
import json
import sys
import time
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gateway.messages import when_text
from tokens.batches import (
    BatchSummary,
    check_batch_run,
    check_batch_start,
    check_batch_summary,
)
from tokens.exceptions import TokenError
from tokens.management.prompts import confirm
from tokens.models import MAX_EXPIRY_FILTER_DAYS, CheckBatch, CheckBatchItem, WBToken, WBTokenCheck
from tokens.presentation import deletion_question, expiry_text
from tokens.selectors import visible_tokens, with_key_id
from tokens.services import token_create, token_delete
from wberp.redaction import hide_tokens

MIN_ID_PREFIX = 6
# How often `check --wait` looks at the progress a worker makes on the batch.
POLL_SECONDS = 1.0
# Anything shaped like a JWT (three dot-separated runs of base64url).
UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, None))


class Command(BaseCommand):
    help = _("List, add, check and delete stored WB tokens.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        listing = actions.add_parser("list", help=_("List stored tokens."))
        listing.add_argument("--status", choices=WBToken.Status.values)
        listing.add_argument(
            "--expiring-days",
            type=int,
            metavar="N",
            help=_("Only tokens expiring within N days."),
        )
        listing.add_argument("--json", action="store_true", help=_("Print JSON."))

        add = actions.add_parser("add", help=_("Add a token read from standard input."))
        add.add_argument("--name", required=True)
        add.add_argument(
            "--allow-unverified",
            action="store_true",
            help=_("Save even if WB cannot be reached now."),
        )

        check = actions.add_parser("check", help=_("Check tokens with WB."))
        check.add_argument("ids", nargs="*", metavar="ID")
        check.add_argument("--all", action="store_true")
        check.add_argument(
            "--wait",
            action="store_true",
            help=_(
                "Check now, beside any worker, and wait until every token is done; exit "
                "non-zero if any is not valid (for cron)."
            ),
        )
        check.add_argument(
            "--quiet", action="store_true", help=_("Print only problems and the summary.")
        )

        delete = actions.add_parser("delete", help=_("Delete a token."))
        delete.add_argument("id", metavar="ID")
        delete.add_argument("--yes", action="store_true", help=_("Do not ask to confirm."))

        for sub in (listing, add, check, delete):
            sub.add_argument(
                "--user",
                help=_(
                    "Act as this staff user: only the cabinets they have been given, recorded "
                    "under their name."
                ),
            )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = redacting_errors(parser.error)
        return parser

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    # list

    def handle_list(
        self,
        *,
        status: str | None,
        expiring_days: int | None,
        json: bool,
        user: str | None,
        **options,
    ) -> None:
        tokens = with_key_id(tokens_of(find_user(user)).select_related("seller"))
        if status:
            tokens = tokens.filter(status=status)
        if expiring_days is not None:
            if not 0 <= expiring_days <= MAX_EXPIRY_FILTER_DAYS:
                raise CommandError(
                    _("--expiring-days must be between 0 and %(max)d.")
                    % {"max": MAX_EXPIRY_FILTER_DAYS}
                )
            tokens = tokens.expiring_within(expiring_days)
        if json:
            self.stdout.write(dump_json([token_as_dict(token) for token in tokens]))
            return
        if not tokens:
            self.stdout.write(_("No tokens."))
            return
        self.stdout.write(table_row([str(label) for label, _width in LIST_COLUMNS]))
        for token in tokens:
            cells = [
                str(token.pk),
                token.name,
                seller_name(token),
                token.get_token_type_display(),
                token.status_text,
                expiry_text(token),
            ]
            self.stdout.write(table_row(cells))

    # add

    def handle_add(self, *, name: str, allow_unverified: bool, user: str | None, **options) -> None:
        raw_token = read_secret(_("WB token (input hidden): "))
        try:
            token = token_create(
                name=name,
                raw_token=raw_token,
                by=find_user(user),
                allow_unverified=allow_unverified,
            )
        except TokenError as exc:
            hint = _(" Add --allow-unverified to store it unchecked.")
            raise CommandError(exc.message + (hint if exc.can_save_unverified else "")) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Added %(name)s: %(seller)s, %(status)s, %(expiry)s. ID %(id)s")
                % {
                    "name": token.name,
                    "seller": seller_name(token),
                    "status": token.get_status_display(),
                    "expiry": expiry_text(token),
                    "id": token.pk,
                }
            )
        )

    # check

    def handle_check(
        self, *, ids: list[str], all: bool, wait: bool, quiet: bool, user: str | None, **options
    ) -> None:
        if all == bool(ids):
            raise CommandError(_("Name token IDs or give --all (not both)."))
        actor = find_user(user)
        tokens = (
            tokens_of(actor, change=True).select_related("seller").order_by("name", "pk")
            if all
            else [find_token(value, actor, change=True) for value in ids]
        )
        batch = check_batch_start(tokens=tokens, by=actor, trigger=WBTokenCheck.Trigger.COMMAND)
        if not wait:
            self.stdout.write(
                ngettext(
                    "Checking %(count)d token in the background (bulk check %(id)s). "
                    "A worker does it; add --wait to wait for the outcome here.",
                    "Checking %(count)d tokens in the background (bulk check %(id)s). "
                    "A worker does it; add --wait to wait for the outcome here.",
                    batch.total,
                )
                % {"count": batch.total, "id": batch.pk}
            )
            return
        summary = self.follow(batch, quiet=quiet)
        self.stdout.write(summary_line(summary))
        if not summary.all_valid:
            raise CommandError(_("Some tokens are not valid or could not be checked."))

    def follow(self, batch: CheckBatch, *, quiet: bool) -> BatchSummary:
        """Work on the batch here (a worker may share it), printing each token as it is done."""
        reported: set[int] = set()

        def report(item: CheckBatchItem) -> None:
            if item.pk not in reported:
                reported.add(item.pk)
                self.report_item(item, quiet=quiet)

        while True:
            outcome = check_batch_run(batch_id=batch.pk, progress=report)
            for item in finished_items(batch, exclude=reported):  # done by a worker meanwhile
                report(item)
            batch.refresh_from_db()
            if batch.finished_at is not None:
                return check_batch_summary(batch)
            self.wait_for(batch, outcome)

    def wait_for(self, batch: CheckBatch, outcome: str) -> None:
        if outcome == "elsewhere":  # a worker holds the batch: look again in a moment
            time.sleep(POLL_SECONDS)
            return
        seconds = (batch.next_attempt_at - timezone.now()).total_seconds()
        if seconds > 0:
            self.stderr.write(
                _("Waiting for WB's request limit, %(when)s…")
                % {"when": when_text(batch.next_attempt_at)}
            )
            time.sleep(seconds)

    def report_item(self, item: CheckBatchItem, *, quiet: bool) -> None:
        where = f"{item.token_name} ({item.token_id or '—'})"
        check = item.check_made
        if check is None:
            self.stderr.write(f"! {where}: {item.reason}")
        elif check.outcome == WBTokenCheck.Outcome.VALID:
            if not quiet:
                self.stdout.write(f"✓ {where}: {check.get_outcome_display()}")
        else:
            self.stderr.write(f"✗ {where}: {check.get_outcome_display()} — {check.error_message}")

    # delete

    def handle_delete(self, *, id: str, yes: bool, user: str | None, **options) -> None:
        actor = find_user(user)
        token = find_token(id, actor, change=True)
        if not yes:
            confirm(
                deletion_question(token),
                refusal=_("Nothing deleted."),
                without_terminal=_("Add --yes to delete without a terminal to confirm in."),
            )
        token_delete(token=token, by=actor)
        self.stdout.write(self.style.SUCCESS(_("Deleted %(name)s.") % {"name": token.name}))


# Columns of `list`: heading and width (the last one is as wide as it needs).
LIST_COLUMNS = [
    (gettext_lazy("ID"), 36),
    (gettext_lazy("Name"), 30),
    (gettext_lazy("Seller"), 30),
    (gettext_lazy("Type"), 14),
    (gettext_lazy("Status"), 20),
    (gettext_lazy("Expires"), 0),
]


def table_row(cells: list[str]) -> str:
    """Cells in their columns; one too long for its column ends in "…"."""
    fitted = [
        fit(cell, width) if width else cell
        for cell, (_label, width) in zip(cells, LIST_COLUMNS, strict=True)
    ]
    return "  ".join(fitted).rstrip()


def fit(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def redacting_errors(error):
    """argparse repeats unknown arguments in its error; never repeat a pasted token."""

    def redacted(message: str) -> None:
        error(hide_tokens(message))

    return redacted


def read_secret(prompt: str) -> str:
    """The token from a hidden prompt on a terminal, or from piped standard input."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.read()


def tokens_of(actor, *, change: bool = False):
    """Every token for a command run without --user; the user's own otherwise."""
    return WBToken.objects.all() if actor is None else visible_tokens(actor, change=change)


def find_token(value: str, actor=None, *, change: bool = False) -> WBToken:
    """A token by its UUID or by an unambiguous prefix of it, among those `actor` may see
    (or change); one of another cabinet is not found, as a missing one."""
    value = value.strip().lower()
    tokens = tokens_of(actor, change=change)
    try:
        return tokens.get(pk=uuid.UUID(value))
    except ValueError:
        pass
    except WBToken.DoesNotExist:
        raise CommandError(_("No token with ID %(id)s.") % {"id": value}) from None
    digits = value.replace("-", "")
    if not digits or not all(c in "0123456789abcdef" for c in digits):
        raise CommandError(
            _(
                "%(id)s is not a token ID: IDs are made of 0-9 and a-f, as `wb_tokens list` "
                "prints them."
            )
            % {"id": value}
        )
    if len(digits) < MIN_ID_PREFIX:
        raise CommandError(
            _("%(id)s is too short: give at least %(min)d characters of a token ID.")
            % {"id": value, "min": MIN_ID_PREFIX}
        )
    # Dashes where a UUID has them: PostgreSQL matches the prefix against the dashed text.
    prefix = "-".join(digits[start:end] for start, end in UUID_GROUPS if digits[start:end])
    matches = list(tokens.filter(pk__startswith=prefix)[:2])
    if len(matches) != 1:
        message = (
            _("No token ID starts with %(id)s.")
            if not matches
            else _("More than one token ID starts with %(id)s; give more of it.")
        )
        raise CommandError(message % {"id": value})
    return matches[0]


def find_user(username: str | None):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username, is_staff=True, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No active staff user %(name)s.") % {"name": username}) from None


def token_as_dict(token: WBToken) -> dict:
    return {
        "id": str(token.pk),
        "name": token.name,
        "type": token.token_type,
        "status": token.status,
        "readable": token.is_readable,
        "seller_name": token.seller.name if token.seller else "",
        "seller_tin": token.seller.tin if token.seller else "",
        "trade_mark": token.seller.trade_mark if token.seller else "",
        "seller_sid": token.seller.sid if token.seller else "",
        "categories": list(token.categories),
        "read_only": token.read_only,
        "sandbox": token.is_test,
        "expires_at": token.expires_at.isoformat(),
        "days_left": token.days_left(),
        "last_checked_at": (token.last_checked_at.isoformat() if token.last_checked_at else None),
        "last_error": token.last_error,
        "hint": token.hint,
        "fingerprint": token.fingerprint_prefix,
    }


def dump_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def seller_name(token: WBToken) -> str:
    return token.seller.display_name if token.seller else "—"


def finished_items(batch: CheckBatch, *, exclude: set[int]):
    done = CheckBatchItem.objects.filter(batch=batch).exclude(state=CheckBatchItem.State.PENDING)
    return done.exclude(pk__in=exclude).select_related("check_made").order_by("position")


def summary_line(summary: BatchSummary) -> str:
    checked = sum(summary.outcomes.values())
    outcomes = ", ".join(
        f"{WBTokenCheck.Outcome(outcome).label}: {count}"
        for outcome, count in summary.outcomes.items()
    )
    not_checked = summary.not_checked
    return (
        ngettext("Checked %(count)d token.", "Checked %(count)d tokens.", checked)
        % {"count": checked}
        + (f" {outcomes}" if outcomes else "")
        + (_("; not checked: %(count)d") % {"count": not_checked} if not_checked else "")
    )
