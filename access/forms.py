"""The form that gives a cabinet to a user or a group: it validates as the services will, so
that a refusal is shown on the form; saving runs the services, which record it."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import Area, CabinetGrant
from .selectors import visible_sellers
from .services import (
    AccessRefused,
    grant_create,
    grant_update,
    refuse_above_own,
)


class GrantForm(forms.ModelForm):
    """A new grant (cabinet, user or group, levels) or, for an existing one, its levels.

    `by` is who makes the change: the cabinets offered are those they see, and no level may
    be above their own (access.services)."""

    class Meta:
        model = CabinetGrant
        fields = ["seller", "user", "group", *Area.values]

    def __init__(self, *args, by: AbstractBaseUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        if self.instance.pk:  # who and which cabinet a grant is of stays; its levels change
            for name in ("seller", "user", "group"):
                self.fields.pop(name, None)  # the admin shows them read-only instead
            return
        self.fields["seller"].queryset = visible_sellers(by).order_by("name", "sid")
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )
        self.fields["group"].queryset = Group.objects.order_by("name")
        self.fields["user"].help_text = _("A staff user, or else a group below.")

    @property
    def levels(self) -> dict[str, int]:
        return {area: self.cleaned_data.get(area) or 0 for area in Area.values}

    def clean(self) -> dict:
        # Who and how much: the model's constraints (a user or a group; some area) and,
        # here, the rule of the services that nobody gives more than they hold.
        cleaned = super().clean()
        seller = self.instance.seller if self.instance.pk else cleaned.get("seller")
        if seller is not None:
            try:
                if self.instance.pk:
                    refuse_above_own(self.by, seller, self.instance_levels)
                refuse_above_own(self.by, seller, self.levels)
            except AccessRefused as refused:
                raise forms.ValidationError(refused.message) from None
        return cleaned

    @property
    def instance_levels(self) -> dict[str, int]:
        """The levels stored before this form: the instance holds the form's by now."""
        return CabinetGrant.objects.get(pk=self.instance.pk).levels

    def save(self, commit: bool = True) -> CabinetGrant | None:
        """Through the services; a refusal met only now (a change made meanwhile) is put on
        the form and nothing is saved (None)."""
        try:
            if self.instance.pk:
                stored = CabinetGrant.objects.select_related("seller").get(pk=self.instance.pk)
                return grant_update(by=self.by, grant=stored, levels=self.levels)
            return grant_create(
                by=self.by,
                seller=self.cleaned_data["seller"],
                user=self.cleaned_data["user"],
                group=self.cleaned_data["group"],
                levels=self.levels,
            )
        except AccessRefused as refused:
            self.add_error(None, refused.message)
            return None
