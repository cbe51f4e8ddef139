"""System checks: the token keys must be usable before start-up.

With DEBUG off a problem is an Error (`manage.py check --deploy` and every
server start refuse); in DEBUG it is a Warning so that development goes on.
"""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .crypto import KeyConfigError, TokenCipher, decode_key

# The development stand-ins in settings.py, recognisable by their plain-text bytes.
DEV_KEY_MARKER = b"dev-only-"
GENERATE_HINT = "Generate fresh keys with: python manage.py generate_keys"


def _problem(message: str, *, id: str, hint: str = GENERATE_HINT) -> CheckMessage:
    level = Warning if settings.DEBUG else Error
    return level(message, hint=hint, id=id)


@register(Tags.security, deploy=False)
def check_token_keys(app_configs=None, **kwargs) -> list[CheckMessage]:
    try:
        TokenCipher(settings.WB_TOKEN_KEYS, settings.WB_TOKEN_FINGERPRINT_KEY)
    except KeyConfigError as exc:
        return [
            _problem(
                f"WB_TOKEN_KEYS / WB_TOKEN_FINGERPRINT_KEY are not usable: {exc}.", id="tokens.E001"
            )
        ]
    texts = [*settings.WB_TOKEN_KEYS, settings.WB_TOKEN_FINGERPRINT_KEY]
    if any(decode_key(text).startswith(DEV_KEY_MARKER) for text in texts):
        return [_problem("The token keys are the built-in development keys.", id="tokens.W002")]
    return []
