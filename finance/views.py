"""Payment requests in the portal: what can be requested now, for how much, and its state."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from conventions.access import MemberConventionMixin
from core.pdf import pdf_response
from finance import rules as payments
from finance.exports import payment_request_filename, payment_requests_pdf
from finance.models import PaymentKind
from finance.services import payment_request_create

#: What the confirmation page says is requested.
PAYMENT_LABELS = {PaymentKind.ADVANCE: _("l'acompte"), PaymentKind.BALANCE: _("le solde")}


class CertificationForm(forms.Form):
    kind = forms.ChoiceField(choices=PaymentKind.choices, widget=forms.HiddenInput)
    tranche = forms.IntegerField(required=False, widget=forms.HiddenInput)  # the year, for a multi-year agreement
    certified_by_name = forms.CharField(label=_("Nom et prénom du signataire"), max_length=150)
    certified_by_quality = forms.CharField(label=_("Qualité"), max_length=100, help_text=_("Par exemple : Président, Trésorière."))
    certify = forms.BooleanField(
        label=_("Je certifie la réalité des dépenses engagées et leur emploi conforme à l'objet de la convention."),
        error_messages={"required": _("Cochez la case de certification pour déposer la demande.")},
    )


def offer_state(convention, kind: str, tranche, refusals: dict, schedules: dict) -> tuple[str | None, object]:
    """Return why ``kind`` (of ``tranche``'s year, if any) cannot be requested now, or None, and its amount;
    ``refusals`` and ``schedules`` are the years' (``finance.rules``), read for all years at once."""
    if tranche is None:
        refusal = payments.request_refusal(convention, kind)
        return refusal, None if refusal else payments.request_amount(convention, kind)
    refusal, money = refusals[(tranche.pk, kind)], schedules[tranche.pk]
    return refusal, None if refusal else (money.advance_cap if kind == PaymentKind.ADVANCE else money.remaining)


class PaymentsView(MemberConventionMixin, TemplateView):
    """List the agreement's payment requests and offer the ones the rules allow now."""

    template_name = "conventions/portal/payments.html"

    def get_context_data(self, **kwargs):
        convention = self.convention
        user = self.request.user
        initial = {"certified_by_name": user.get_full_name(), "certified_by_quality": ""}
        offers = []
        posted = kwargs.pop("posted_form", None)
        # A multi-year agreement is paid year by year; without years (taken over as a whole), as one agreement.
        years = (payments.tranches_of([convention]) if convention.is_multiannual else []) or [None]
        by_year = [t for t in years if t]
        refusals = payments.tranche_request_refusals_for(by_year) if by_year else {}
        year_schedules = payments.tranche_schedules_for(by_year) if by_year else {}
        for tranche in years:
            for kind in (PaymentKind.ADVANCE, PaymentKind.BALANCE):
                key = f"{kind}-{tranche.year}" if tranche else str(kind)
                refusal, amount = offer_state(convention, kind, tranche, refusals, year_schedules)
                is_posted = posted is not None and posted.data.get("kind") == kind and (
                    tranche is None or posted.data.get("tranche") == str(tranche.pk))
                form = posted if is_posted else CertificationForm(
                    initial={**initial, "kind": kind, "tranche": tranche.pk if tranche else None}, prefix=None)
                offers.append({"kind": kind, "key": key, "tranche": tranche, "label": PaymentKind(kind).label,
                               "refusal": refusal, "amount": amount, "form": form})
        money = payments.schedule(convention)
        rows = list(convention.payment_requests.select_related("convention", "tranche").order_by("created_at"))
        request_money = payments.request_schedules_for(rows) if rows else {}
        requests = [{"request": r, "remaining_after": payments.remaining_after_request(r, request_money[r.pk])}
                    for r in rows]
        year_rows = [(t, year_schedules[t.pk]) for t in years if t]
        return super().get_context_data(offers=offers, schedule=money, requests=requests, year_rows=year_rows,
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        form = CertificationForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(posted_form=form))
        tranche = None
        if form.cleaned_data.get("tranche"):
            tranche = get_object_or_404(self.convention.tranches, pk=form.cleaned_data["tranche"])
        kind = form.cleaned_data["kind"]
        if request.POST.get("confirm") != "1":  # the confirmation page first: nothing is requested without it
            by_year = [tranche] if tranche else []
            refusal, amount = offer_state(self.convention, kind, tranche,
                                          payments.tranche_request_refusals_for(by_year) if by_year else {},
                                          payments.tranche_schedules_for(by_year) if by_year else {})
            if refusal:
                messages.error(request, refusal)
                return redirect(request.path)
            return TemplateResponse(request, "conventions/portal/payment_confirm.html", {
                "convention": self.convention, "form": form, "kind": kind, "tranche": tranche, "amount": amount,
                "kind_label": PAYMENT_LABELS[kind]})
        try:
            payment_request_create(
                convention=self.convention, kind=kind, user=request.user, tranche=tranche,
                certified_by_name=form.cleaned_data["certified_by_name"],
                certified_by_quality=form.cleaned_data["certified_by_quality"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(request.path)
        messages.success(request, _("Votre demande a été déposée. Le service instructeur va l'examiner."))
        return redirect(request.path)


class PaymentPdfView(MemberConventionMixin, View):
    def get(self, request, *args, **kwargs):
        payment = get_object_or_404(self.convention.payment_requests.select_related("convention__beneficiary", "convention__funder"),
                                    pk=kwargs["pk"])
        return pdf_response(payment_requests_pdf([payment]), payment_request_filename(payment))
