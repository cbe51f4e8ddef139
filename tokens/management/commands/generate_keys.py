from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wberp.envfile import generate_aes_key


class Command(BaseCommand):
    help = _("Print a fresh token encryption key and fingerprint key for the environment.")

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"WB_TOKEN_KEYS={generate_aes_key()}")
        self.stdout.write(f"WB_TOKEN_FINGERPRINT_KEY={generate_aes_key()}")
        self.stderr.write(
            _(
                "To rotate keys, put the new key first in WB_TOKEN_KEYS, keep the old ones after "
                "it, run `manage.py rotate_wb_token_keys`, then remove the old keys. "
                "Never change WB_TOKEN_FINGERPRINT_KEY once tokens are stored."
            )
        )
