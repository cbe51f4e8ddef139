"""Forms for the token desk: they validate and normalise; the services do the work.

The token travels only in POST bodies and is never rendered back: its widget
is a PasswordInput with render_value=False.
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from wbapi.claims import MAX_TOKEN_LENGTH, TokenClaims

from .exceptions import TokenError
from .models import WBToken
from .presentation import CATEGORY_LABELS
from .selectors import DEFAULT_SORT, PROBLEM_STATUSES, SORT_FIELDS, TokenFilters
from .services import token_create, token_preview, token_update

Result = TypeVar("Result")


class TokenField(forms.CharField):
    """A pasted WB token: normalised and decoded locally, so that typos fail before WB is asked."""

    widget = forms.PasswordInput(
        render_value=False,
        attrs={
            "autocomplete": "off",
            "spellcheck": "false",
            # On the token pages, what was pasted is decoded locally as it is typed.
            "hx-post": reverse_lazy("tokens:preview"),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#token-preview",
            "hx-params": "raw_token",
            "hx-sync": "this:replace",
            "aria-describedby": "token-preview",
            # The form comes back with an error, without the token (never rendered back):
            # htmx keeps the field the person pasted into, so nobody pastes twice.
            "hx-preserve": "true",
        },
    )

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Token"))
        kwargs.setdefault(
            "help_text",
            _("Create it in the seller cabinet: Settings → Access to API. It is stored encrypted."),
        )
        # A generous cap before decoding; the decoder gives the precise message.
        super().__init__(strip=False, max_length=MAX_TOKEN_LENGTH * 2, **kwargs)
        self.claims: TokenClaims | None = None

    @sensitive_variables("value")
    def to_python(self, value: str | None) -> str:
        return (value or "").strip()

    @sensitive_variables("value")
    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            try:
                self.claims = token_preview(raw_token=value)
            except TokenError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None


@sensitive_variables("kwargs")
def run_service(form: forms.BaseForm, service: Callable[..., Result], **kwargs) -> Result | None:
    """Call a service; a refusal becomes an error on the form (on its field if it has one)."""
    try:
        return service(**kwargs)
    except TokenError as exc:
        message = exc.message
        if exc.can_save_unverified:
            message += " " + _("To store the token anyway, tick “%(label)s”.") % {
                "label": UNVERIFIED_LABEL
            }
        form.add_error(exc.field if exc.field in form.fields else None, message)
        return None


UNVERIFIED_LABEL = _("Save even if WB cannot be reached now")
UNVERIFIED_HELP = _("The token is then stored as “not checked”; check it later.")
OTHER_SELLER_LABEL = _("The new token may belong to another seller")


class NewTokenFields(forms.Form):
    """The fields that bring a new token; shared by the pages and the admin."""

    raw_token = TokenField()
    allow_unverified = forms.BooleanField(
        label=UNVERIFIED_LABEL, help_text=UNVERIFIED_HELP, required=False
    )


class ReplacementTokenFields(forms.Form):
    """The fields that replace a stored token; shared by the pages and the admin."""

    raw_token = TokenField(
        label=_("Replace the token"),
        required=False,
        help_text=_("Leave empty to keep the stored token."),
    )
    allow_other_seller = forms.BooleanField(label=OTHER_SELLER_LABEL, required=False)
    allow_unverified = NewTokenFields.base_fields["allow_unverified"]


NAME_FIELD = forms.CharField(
    label=_("Name"),
    max_length=WBToken._meta.get_field("name").max_length,
    help_text=WBToken._meta.get_field("name").help_text,
)


class TokenAddForm(NewTokenFields):
    name = NAME_FIELD
    field_order = ["name", "raw_token", "allow_unverified"]

    def save(self, *, by) -> WBToken | None:
        return run_service(self, token_create, by=by, **self.cleaned_data)


class TokenEditForm(ReplacementTokenFields):
    name = NAME_FIELD
    field_order = ["name", "raw_token", "allow_other_seller", "allow_unverified"]

    def __init__(self, *args, token: WBToken, **kwargs) -> None:
        kwargs.setdefault("initial", {"name": token.name})
        super().__init__(*args, **kwargs)
        self.token = token

    def save(self, *, by) -> WBToken | None:
        return run_service(self, token_update, token=self.token, by=by, **self.cleaned_data)


class TokenPreviewForm(forms.Form):
    """Just the token, for the live preview of what it is before anything is saved."""

    raw_token = TokenField()

    @property
    def claims(self) -> TokenClaims | None:
        return self.fields["raw_token"].claims


ANY = [("", _("Any"))]
EXPIRY_CHOICES = [
    ("14", _("Within 14 days")),
    ("30", _("Within 30 days")),
    ("expired", _("Expired")),
]
SORT_CHOICES = [(key, key) for name in SORT_FIELDS for key in (name, f"-{name}")]
COLUMNS = [
    ("name", _("Name")),
    ("seller", _("Seller")),
    ("type", _("Type")),
    ("status", _("Status")),
    ("expires", _("Expires")),
    ("checked", _("Last checked")),
]
PROBLEMS = "problems"


class TokenListForm(forms.Form):
    """Search, filters and sorting of the token list, all from the query string.

    Values that do not fit are ignored (the rest still apply): a hand-edited or
    outdated URL shows a list, never an error.
    """

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, seller, trade mark, INN, last characters"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*ANY, (PROBLEMS, _("With problems")), *WBToken.Status.choices],
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=ANY + WBToken.TokenType.choices
    )
    expiring = forms.ChoiceField(label=_("Expiry"), required=False, choices=ANY + EXPIRY_CHOICES)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=ANY + [(name, label) for name, label in CATEGORY_LABELS.items()],
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def choice_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name, field in self.fields.items()
            if isinstance(field, forms.ChoiceField) and not field.widget.is_hidden
        ]

    def value(self, name: str) -> str:
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def filters(self) -> TokenFilters:
        status = self.value("status")
        return TokenFilters(
            query=self.value("q"),
            statuses=tuple(PROBLEM_STATUSES if status == PROBLEMS else [status] if status else []),
            token_type=self.value("type"),
            category=self.value("category"),
            expiring=self.value("expiring"),
            sort=self.value("sort") or DEFAULT_SORT,
        )
