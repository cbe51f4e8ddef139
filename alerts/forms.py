from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller

from .channels import WEBHOOK_SCHEMES
from .models import Channel, Rule

# Every subscribed alert is listed on the notifications page; these add a channel.
IN_APP = "in_app"
CHANNEL_CHOICES = [(IN_APP, _("On the notifications page")), *Channel.choices]
WEBHOOK_URL = URLValidator(schemes=WEBHOOK_SCHEMES)


class AlertSettingsForm(forms.Form):
    """One multiple choice of channels per rule, the webhook address and the cabinets."""

    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        max_length=500,
        help_text=_("An http(s) address that receives each alert as a signed JSON POST."),
    )
    sellers = forms.ModelMultipleChoiceField(
        label=_("Cabinets"),
        queryset=Seller.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every cabinet you can see."),
    )

    def __init__(self, *args, sellers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sellers"].queryset = sellers
        for rule in Rule:
            self.fields[rule.value] = forms.MultipleChoiceField(
                label=rule.label,
                choices=CHANNEL_CHOICES,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        return [self[rule.value] for rule in Rule]

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            try:
                WEBHOOK_URL(url)
            except ValidationError:
                raise ValidationError(_("Enter an http:// or https:// address.")) from None
        return url

    def clean(self) -> dict:
        cleaned = super().clean()
        wants_webhook = any(Channel.WEBHOOK in cleaned.get(rule.value, []) for rule in Rule)
        if wants_webhook and not cleaned.get("webhook_url"):
            self.add_error("webhook_url", _("Enter the address the webhook alerts go to."))
        return cleaned

    def chosen_rules(self) -> dict[str, set[str]]:
        """Each rule with at least one channel ticked, and its channels."""
        return {
            rule.value: set(self.cleaned_data[rule.value])
            for rule in Rule
            if self.cleaned_data.get(rule.value)
        }
