from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wberp.envfile import generate_aes_key


class Command(BaseCommand):
    help = _("Print a fresh token encryption key for WB_TOKEN_KEYS.")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fingerprint-key",
            action="store_true",
            help=_(
                "Also print a WB_TOKEN_FINGERPRINT_KEY, for a new installation only: changing "
                "it once tokens are stored breaks duplicate detection."
            ),
        )

    def handle(self, *args, fingerprint_key: bool, **options) -> None:
        self.stdout.write(f"WB_TOKEN_KEYS={generate_aes_key()}")
        if fingerprint_key:
            self.stdout.write(
                "# "
                + _(
                    "New installations only: once tokens are stored, a new fingerprint key "
                    "breaks duplicate detection."
                )
            )
            self.stdout.write(f"WB_TOKEN_FINGERPRINT_KEY={generate_aes_key()}")
        self.stderr.write(
            _(
                "To rotate keys, put the new key first in WB_TOKEN_KEYS, keep the old ones after "
                "it, run `manage.py rotate_wb_token_keys`, then remove the old keys."
            )
        )
