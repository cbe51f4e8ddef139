"""The cost price form, the upload form and the cabinet's tax form."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wberp.periods import DATE_INPUT

from .models import CabinetEconomics, CostPrice
from .upload import UploadRow, catalogue_problems, too_large


class CostPriceForm(forms.ModelForm):
    """One cost price of the cabinet; its vendor code (and size, barcode) must be the
    cabinet's, as in an upload."""

    class Meta:
        model = CostPrice
        fields = ["vendor_code", "tech_size", "barcode", "valid_from", "cost"]
        widgets = {"valid_from": DATE_INPUT}
        help_texts = {
            "tech_size": _("Empty: every size of the vendor code."),
            "barcode": _("Empty: every barcode of the vendor code (or of the size)."),
            "valid_from": _("From this day on, until the next cost price of the same kind."),
        }

    def __init__(self, *args, seller, catalogue, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.seller = seller
        self.catalogue = catalogue

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        row = UploadRow(
            line=0,
            vendor_code=data["vendor_code"].strip(),
            tech_size=data["tech_size"].strip(),
            barcode=data["barcode"].strip(),
        )
        for problem in catalogue_problems(row, self.catalogue):
            self.add_error(None, problem)
        same = CostPrice.objects.filter(
            seller=self.instance.seller,
            vendor_code=row.vendor_code,
            tech_size=row.tech_size,
            barcode=row.barcode,
            valid_from=data["valid_from"],
        ).exclude(pk=self.instance.pk)
        if same.exists():  # the constraint names the seller, which the form leaves out
            self.add_error(
                None, _("This vendor code, size and barcode have a cost price from that day.")
            )
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX, the first row naming the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.COST_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(too_large())
        return upload


class EconomicsForm(forms.ModelForm):
    class Meta:
        model = CabinetEconomics
        fields = ["tax_rate", "tax_base"]
        help_texts = {"tax_rate": _("0 for none. Applied as the page on unit economics says.")}
