"""Forms for the token desk: they validate and normalise; the services do the work.

The token travels only in POST bodies and is never rendered back: its widget
is a PasswordInput with render_value=False.
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from wbapi.claims import MAX_TOKEN_LENGTH, TokenClaims

from .exceptions import TokenError
from .models import WBToken
from .services import token_create, token_preview, token_update

Result = TypeVar("Result")


class TokenField(forms.CharField):
    """A pasted WB token: normalised and decoded locally, so that typos fail before WB is asked."""

    widget = forms.PasswordInput(
        render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
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

    def to_python(self, value: str | None) -> str:
        return (value or "").strip()

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            try:
                self.claims = token_preview(raw_token=value)
            except TokenError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None


def run_service(form: forms.BaseForm, service: Callable[..., Result], **kwargs) -> Result | None:
    """Call a service; a refusal becomes an error on the form (on its field if it has one)."""
    try:
        return service(**kwargs)
    except TokenError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


UNVERIFIED_LABEL = _("Save even if WB cannot be reached now")
UNVERIFIED_HELP = _("The token is then stored as “not checked”; check it later.")
OTHER_SELLER_LABEL = _("The new token may belong to another seller")


class TokenAddForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=WBToken._meta.get_field("name").max_length,
        help_text=WBToken._meta.get_field("name").help_text,
    )
    raw_token = TokenField()
    allow_unverified = forms.BooleanField(
        label=UNVERIFIED_LABEL, help_text=UNVERIFIED_HELP, required=False
    )

    def save(self, *, by) -> WBToken | None:
        return run_service(self, token_create, by=by, **self.cleaned_data)


class TokenEditForm(forms.Form):
    name = TokenAddForm.base_fields["name"]
    raw_token = TokenField(
        label=_("Replace the token"),
        required=False,
        help_text=_("Leave empty to keep the stored token."),
    )
    allow_other_seller = forms.BooleanField(label=OTHER_SELLER_LABEL, required=False)
    allow_unverified = forms.BooleanField(
        label=UNVERIFIED_LABEL, help_text=UNVERIFIED_HELP, required=False
    )

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
