from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tokens.crypto import get_cipher
from tokens.management.prompts import confirm
from tokens.selectors import tokens_per_key
from tokens.services import RotationReport, token_rotate_keys, token_verify_keys


class Command(BaseCommand):
    help = _(
        "Re-encrypt every stored WB token with the first key of WB_TOKEN_KEYS. "
        "Safe to interrupt and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--verify",
            action="store_true",
            help=_("Only decrypt every token and list those that cannot be read."),
        )
        parser.add_argument(
            "--yes", action="store_true", help=_("Do not ask to confirm (for scripts).")
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, verify: bool, yes: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        self.verbose = options["verbosity"] > 1
        self.done = 0
        if verify:
            report = token_verify_keys(batch_size=batch_size, progress=self.progress)
            self.write_counts(report.keys_before)
            self.fail_on_unreadable(report)
            self.stdout.write(self.style.SUCCESS(_("Every token can be decrypted.")))
            return
        if not self.ask_to_rotate(yes=yes):
            return
        report = token_rotate_keys(batch_size=batch_size, progress=self.progress)
        self.report_rotation(report)

    def ask_to_rotate(self, *, yes: bool) -> bool:
        """Say what will be re-encrypted under which key; False if there is nothing to do."""
        primary = get_cipher().primary.id
        counts = tokens_per_key()
        self.write_counts(counts)
        stale = sum(count for key, count in counts.items() if key != primary)
        if not stale:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Every token is under key %(key)s already.") % {"key": primary}
                )
            )
            return False
        if not counts[primary]:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "No token is under key %(key)s yet. Every server and worker must have it "
                        "in WB_TOKEN_KEYS before you go on, or they cannot read what is "
                        "re-encrypted."
                    )
                    % {"key": primary}
                )
            )
        if not yes:
            confirm(
                ngettext(
                    "Re-encrypt %(count)d token with key %(key)s, the first of WB_TOKEN_KEYS?",
                    "Re-encrypt %(count)d tokens with key %(key)s, the first of WB_TOKEN_KEYS?",
                    stale,
                )
                % {"count": stale, "key": primary},
                refusal=_("Nothing re-encrypted."),
                without_terminal=_("Add --yes to re-encrypt without a terminal to confirm in."),
            )
        return True

    def report_rotation(self, report: RotationReport) -> None:
        primary = get_cipher().primary.id
        self.stdout.write(
            ngettext(
                "Re-encrypted %(count)d token with key %(key)s.",
                "Re-encrypted %(count)d tokens with key %(key)s.",
                report.rotated,
            )
            % {"count": report.rotated, "key": primary}
        )
        self.write_counts(report.keys_after)
        self.fail_on_unreadable(report)
        left = report.left_under_other_keys(primary)
        if left:
            raise CommandError(
                ngettext(
                    "%(count)d token is still under another key (it was written while this ran, "
                    "by a process with an older WB_TOKEN_KEYS?). Run the rotation again; do "
                    "not remove any key yet.",
                    "%(count)d tokens are still under other keys (they were written while this "
                    "ran, by a process with an older WB_TOKEN_KEYS?). Run the rotation again; "
                    "do not remove any key yet.",
                    left,
                )
                % {"count": left}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Every token is under the primary key; keys not listed above can be removed.")
            )
        )

    def progress(self, count: int) -> None:
        self.done += count
        if self.verbose:
            self.stdout.write(
                ngettext("%(done)d token processed", "%(done)d tokens processed", self.done)
                % {"done": self.done}
            )

    def write_counts(self, counts: Counter) -> None:
        cipher = get_cipher()
        configured = [key.id for key in cipher.keys]  # the primary first
        order = {key_id: position for position, key_id in enumerate(configured)}
        for key_id, count in sorted(
            counts.items(), key=lambda item: (order.get(item[0], 99), item)
        ):
            if key_id == cipher.primary.id:
                marker = _(" (primary)")
            elif key_id not in cipher.keys_by_id:
                marker = _(" (not configured: cannot be read)")
            else:
                marker = ""
            self.stdout.write(
                ngettext(
                    "Key %(key)s%(marker)s: %(count)d token",
                    "Key %(key)s%(marker)s: %(count)d tokens",
                    count,
                )
                % {"key": key_id, "marker": marker, "count": count}
            )

    def fail_on_unreadable(self, report: RotationReport) -> None:
        if not report.unreadable:
            return
        for token_id in sorted(report.unreadable):
            self.stderr.write(_("Unreadable: %(id)s") % {"id": token_id})
        raise CommandError(
            ngettext(
                "%(count)d token cannot be decrypted with the configured keys.",
                "%(count)d tokens cannot be decrypted with the configured keys.",
                len(report.unreadable),
            )
            % {"count": len(report.unreadable)}
        )
