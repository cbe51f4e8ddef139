"""The form that makes a personal API token: it validates; api.services does the work."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import APIToken
from .scopes import scope_label, scopes_of
from .services import DEFAULT_DAYS, MAX_DAYS


class APITokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=APIToken._meta.get_field("name").max_length,
        help_text=_("What uses it, e.g. “1C export”."),
    )
    days = forms.IntegerField(
        label=_("Valid for, days"), min_value=1, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what your own permissions allow."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        available = scopes_of(user)
        self.fields["scopes"].choices = [(scope, scope_label(scope)) for scope in available]
        self.fields["scopes"].initial = available
