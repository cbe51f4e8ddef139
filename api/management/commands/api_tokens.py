"""manage.py api_tokens create|list|revoke — personal API tokens from a terminal.

`create` prints the new token once, alone on standard output, so that a script can take it:
`manage.py api_tokens create --user anna --name "1C" > token.txt`.

With `--user NAME`, `list` and `revoke` work within NAME's own tokens, as the pages do: a
token of another user is "no API token", as an unknown one. Without it they are the
operator's, who sees every token.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from api.models import APIToken
from api.scopes import ALL_SCOPES
from api.selectors import api_tokens_of
from api.services import DEFAULT_DAYS, api_token_create, api_token_revoke
from tokens.exceptions import TokenError
from tokens.management.commands.wb_tokens import find_user


class Command(BaseCommand):
    help = _("Create, list and revoke personal API tokens.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=_("Create a token and print it once."))
        create.add_argument("--user", required=True, help=_("The staff user it acts as."))
        create.add_argument("--name", required=True)
        create.add_argument(
            "--scopes",
            help=_("Comma-separated, of %(scopes)s; default: all the user's.")
            % {"scopes": ", ".join(ALL_SCOPES)},
        )
        create.add_argument("--days", type=int, default=DEFAULT_DAYS)
        listing = actions.add_parser("list", help=_("List tokens."))
        listing.add_argument("--user", help=_("Only this user's."))
        revoke = actions.add_parser("revoke", help=_("Revoke a token."))
        revoke.add_argument("public_id", metavar="ID", help=_("Its public ID, as list shows it."))
        revoke.add_argument(
            "--user", help=_("Only this staff user's, recorded as the one who revoked it.")
        )

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, user: str, name: str, scopes: str | None, days: int, **_o) -> None:
        owner = find_user(user)
        chosen = [scope.strip() for scope in scopes.split(",") if scope.strip()] if scopes else None
        try:
            token, raw = api_token_create(user=owner, name=name, days=days, scopes=chosen)
        except TokenError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(
            _("API token %(id)s of %(user)s, valid until %(date)s; it is shown only now:")
            % {"id": token.shown_id, "user": owner.get_username(), "date": shown(token.expires_at)}
        )
        self.stdout.write(raw)

    def handle_list(self, *, user: str | None, **_o) -> None:
        tokens = tokens_of(find_user(user)).select_related("user")
        self.stdout.write("\t".join([_("ID"), _("User"), _("Name"), _("Scopes"), _("State")]))
        for token in tokens:
            self.stdout.write(
                "\t".join(
                    [
                        token.public_id,
                        token.user.get_username(),
                        token.name,
                        ",".join(token.scopes),
                        state(token),
                    ]
                )
            )

    def handle_revoke(self, *, public_id: str, user: str | None, **_o) -> None:
        public_id = public_id.removeprefix("wberp_").split("_")[0]
        actor = find_user(user)
        token = tokens_of(actor).select_related("user").filter(public_id=public_id).first()
        if token is None:
            raise CommandError(_("No API token %(id)s.") % {"id": public_id})
        api_token_revoke(token=token, by=actor)
        self.stdout.write(_("Revoked %(id)s.") % {"id": token.shown_id})


def tokens_of(actor) -> QuerySet[APIToken]:
    """The tokens a command works on: the user's own, or every one for the operator."""
    return APIToken.objects.all() if actor is None else api_tokens_of(actor)


def shown(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def state(token: APIToken) -> str:
    if token.revoked_at:
        return _("revoked %(date)s") % {"date": shown(token.revoked_at)}
    if not token.is_active():
        return _("expired %(date)s") % {"date": shown(token.expires_at)}
    return _("until %(date)s") % {"date": shown(token.expires_at)}
