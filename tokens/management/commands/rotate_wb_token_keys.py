from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tokens.crypto import get_cipher
from tokens.services import token_rotate_keys


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
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, verify: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            done += count
            if options["verbosity"] > 1:
                self.stdout.write(
                    ngettext("%(done)d token processed", "%(done)d tokens processed", done)
                    % {"done": done}
                )

        report = token_rotate_keys(batch_size=batch_size, verify=verify, progress=progress)
        primary = get_cipher().primary.id
        if not verify:
            self.stdout.write(
                ngettext(
                    "Re-encrypted %(count)d token with key %(key)s.",
                    "Re-encrypted %(count)d tokens with key %(key)s.",
                    report.rotated,
                )
                % {"count": report.rotated, "key": primary}
            )
        counts = report.keys_before if verify else report.keys_after
        for key_id, count in sorted(counts.items()):
            marker = _(" (primary)") if key_id == primary else ""
            self.stdout.write(
                ngettext(
                    "Key %(key)s%(marker)s: %(count)d token",
                    "Key %(key)s%(marker)s: %(count)d tokens",
                    count,
                )
                % {"key": key_id, "marker": marker, "count": count}
            )
        if report.unreadable:
            for token_id in report.unreadable:
                self.stderr.write(_("Unreadable: %(id)s") % {"id": token_id})
            raise CommandError(
                ngettext(
                    "%(count)d token cannot be decrypted with the configured keys.",
                    "%(count)d tokens cannot be decrypted with the configured keys.",
                    len(report.unreadable),
                )
                % {"count": len(report.unreadable)}
            )
        if verify:
            self.stdout.write(self.style.SUCCESS(_("Every token can be decrypted.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Every token is under the primary key; keys not listed above can be removed.")
                )
            )
