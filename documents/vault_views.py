"""Portal page of the association's permanent papers (/portail/documents-permanents/): the paper in
force of each kind with its validity, every version given (history), and the upload of a new one.

Everything is read through the member's current association (``CurrentBeneficiaryMixin``):
another association's paper answers 404. Writes go through ``documents.vault_services``.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from beneficiaries.portal import CurrentBeneficiaryMixin
from documents.models import VAULT_KINDS, DocumentKind, VaultPaper
from documents.services import format_size, max_upload_bytes
from documents.vault import VALIDITY_MONTHS, papers_in_force
from documents.vault_services import vault_paper_upload
from documents.views import DocumentUploadForm, stored_file_response

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VaultPaperForm(forms.Form):
    file = DocumentUploadForm.base_fields["file"]
    valid_from = forms.DateField(label=gettext_lazy("En vigueur depuis le"), widget=DATE_WIDGET, error_messages={
        "required": gettext_lazy("Indiquez depuis quand cette pièce est en vigueur."),
        "invalid": gettext_lazy("Saisissez une date valide, par exemple 15/03/2025.")})
    valid_until = forms.DateField(label=gettext_lazy("Valable jusqu'au"), widget=DATE_WIDGET, required=False,
                                  error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 15/03/2026.")})

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, prefix=kind, initial={"valid_from": timezone.localdate()}, **kwargs)
        self.kind = kind
        self.fields["file"].label = _("Nouvelle version de « %(kind)s »") % {"kind": DocumentKind(kind).label}
        self.fields["file"].help_text = _("PDF, JPEG ou PNG, %(limit)s au plus.") % {"limit": format_size(max_upload_bytes())}
        months = VALIDITY_MONTHS[kind]
        self.fields["valid_until"].help_text = (
            _("Laissez vide : valable tant que non remplacé.") if months is None
            else _("Laissez vide : valable %(months)d mois à partir de la date d'entrée en vigueur.") % {"months": months})


class VaultView(CurrentBeneficiaryMixin, TemplateView):
    """The association's permanent papers, one card per kind, with their versions."""

    template_name = "documents/vault.html"
    failed_form = None

    def get_context_data(self, **kwargs):
        cards = []
        if self.beneficiary is not None:
            today = timezone.localdate()
            in_force = papers_in_force([self.beneficiary.pk], on=today)
            versions = list(VaultPaper.objects.filter(beneficiary=self.beneficiary).select_related("uploaded_by"))
            for kind in VAULT_KINDS:
                failed = self.failed_form is not None and self.failed_form.kind == kind
                cards.append({
                    "kind": kind, "label": kind.label, "paper": in_force.get((self.beneficiary.pk, kind)),
                    "versions": [p for p in versions if p.kind == kind],
                    "form": self.failed_form if failed else VaultPaperForm(kind=kind),
                })
        return super().get_context_data(beneficiary=self.beneficiary, cards=cards, failed_form=self.failed_form,
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        if self.beneficiary is None:
            raise Http404
        kind = request.POST.get("kind")
        if kind not in VAULT_KINDS:
            raise Http404
        form = VaultPaperForm(request.POST, request.FILES, kind=kind)
        if form.is_valid():
            try:
                vault_paper_upload(beneficiary=self.beneficiary, kind=kind, uploaded=form.cleaned_data["file"],
                                   valid_from=form.cleaned_data["valid_from"],
                                   valid_until=form.cleaned_data["valid_until"], by=request.user)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error("file", error)
        if form.errors:
            self.failed_form = form
            return self.render_to_response(self.get_context_data())
        messages.success(request, _("« %(kind)s » est bien déposé dans vos documents permanents. Le service "
                                    "instructeur va l'examiner.") % {"kind": DocumentKind(kind).label})
        return redirect(f"{reverse('portal_vault:list')}#{kind}")


class VaultPaperFileView(CurrentBeneficiaryMixin, View):
    """Download one version of a permanent paper, for the association's members only."""

    def paper(self, pk) -> VaultPaper:
        if self.beneficiary is None:
            raise Http404
        return get_object_or_404(VaultPaper.objects.filter(beneficiary=self.beneficiary), pk=pk)

    def get(self, request, *args, **kwargs):
        return stored_file_response(self.paper(kwargs["pk"]), name=slugify(self.beneficiary.short_name))

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.paper(kwargs["pk"])  # another association's paper is not found, whatever the method
        return super().http_method_not_allowed(request, *args, **kwargs)
