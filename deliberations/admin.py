"""Staff admin of deliberations: the record, its lines, its annex, its vote, its legality control.

The status never changes by editing a field: « Ajouter les candidatures proposées », « Enregistrer
le vote », « Transmettre à la préfecture » and « Accusé de réception » each open a confirmation
page whose form calls the service (``deliberations.services``). After the vote every line is
read-only: an amount voted changes only by an amendment to the agreement.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from campaigns.models import Campaign
from compliance.checks import WRITTEN_AGREEMENT_THRESHOLD
from core.admin_base import DomainAdmin, DomainTabularInline
from core.admin_history import ChildHistory
from core.money import ZERO, format_euros
from core.pdf import pdf_filename, pdf_response
from deliberations.annex import annex_table, annex_xlsx
from deliberations.jobs import annex_pdf_start, letters_pdf_start
from deliberations.letters import letter_reference, letters_pdf, letters_queryset
from deliberations.models import Deliberation, DeliberationLine, Letter, LineOutcome
from deliberations.rules import vote_refusals
from deliberations.services import (
    VOTE_PERMISSION,
    deliberation_add_proposed,
    deliberation_create,
    deliberation_line_remove,
    deliberation_line_update,
    deliberation_record_receipt,
    deliberation_transmit,
    deliberation_update,
    deliberation_vote,
    proposed_not_inscribed,
    vote_plan,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DeliberationForm(forms.ModelForm):
    class Meta:
        model = Deliberation
        fields = ["funder", "body", "session_date", "number", "subject"]
        widgets = {"subject": forms.TextInput(attrs={"size": 100}), "number": forms.TextInput(attrs={"size": 40})}


class DeliberationLineForm(forms.ModelForm):
    class Meta:
        model = DeliberationLine
        fields = ["voted_amount"]

    def clean_voted_amount(self):
        amount = self.cleaned_data.get("voted_amount")
        if amount is not None and amount <= 0:
            raise ValidationError(_("Le montant soumis au vote doit être supérieur à zéro."))
        return amount


class DeliberationLineInline(DomainTabularInline):
    model = DeliberationLine
    form = DeliberationLineForm
    extra = 0
    fields = ["beneficiary", "action", "requested", "proposed", "voted_amount", "outcome", "produced"]
    readonly_fields = ["beneficiary", "action", "requested", "proposed", "outcome", "produced"]
    verbose_name_plural = _("Subventions soumises au vote")

    def has_add_permission(self, request, obj=None):
        return False  # « Ajouter les candidatures proposées »: only proposed applications, through the service

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [name if name != "voted_amount" else "voted" for name in self.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [*self.readonly_fields, "voted"]
        return self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "application__beneficiary", "application__convention", "application__letter", "deliberation")

    @admin.display(description=_("Association"))
    def beneficiary(self, obj):
        return list_name(obj.application.beneficiary)

    @admin.display(description=_("Action"))
    def action(self, obj):
        url = reverse("admin:campaigns_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application.action_title)

    @admin.display(description=_("Demandé"))
    def requested(self, obj):
        return format_euros(obj.application.requested_amount)

    @admin.display(description=_("Proposé"))
    def proposed(self, obj):
        return format_euros(obj.proposed_amount)

    @admin.display(description=_("Voté"))
    def voted(self, obj):
        return format_euros(obj.voted_amount) if obj.outcome == LineOutcome.GRANTED else "—"

    @admin.display(description=_("Produit par le vote"))
    def produced(self, obj):
        return produced_link(obj.application)


def produced_link(application) -> str:
    """Return a link to what the vote produced for ``application``: its agreement or its letter."""
    if application.convention_id:
        convention = application.convention
        url = reverse("admin:conventions_convention_change", args=[convention.pk])
        return format_html('{} <a href="{}">{}</a>', _("Convention"), url, convention.reference)
    letter = getattr(application, "letter", None)
    if letter is not None:
        url = reverse("admin:deliberations_letter_pdf", args=[letter.pk])
        return format_html('<a href="{}">{} (PDF)</a>', url, letter.get_kind_display())
    return "—"


class AddProposedForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campagne"), queryset=Campaign.objects.none())

    def __init__(self, *args, funder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(programme__funder=funder).select_related("programme")


class DateForm(forms.Form):
    # An HTML date input reads only ISO dates: a localised initial (« 01/12/2026 ») would show it empty.
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


@admin.register(Deliberation)
class DeliberationAdmin(DomainAdmin):
    form = DeliberationForm
    list_display = ["number_shown", "body", "session_date", "subject", "status", "lines_count", "proposed_total"]
    list_filter = ["status", "body", "funder"]
    search_fields = ["number", "subject"]
    list_select_related = ["funder"]
    inlines = [DeliberationLineInline]
    fields = ["funder", "body", "session_date", "number", "subject", "status", "voted_on", "voted_by",
              "transmitted_on", "received_on"]
    readonly_fields = ["status", "voted_on", "voted_by", "transmitted_on", "received_on"]
    history_children = [
        ChildHistory("deliberations.DeliberationLine", "deliberation", _("Subventions de la délibération"),
                     label=lambda record: str(record.application), select_related=("application__beneficiary",)),
        ChildHistory("deliberations.Letter", "deliberation", _("Lettres produites par le vote"),
                     label=lambda record: str(record.application), select_related=("application__beneficiary",)),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            line_count=Count("lines", distinct=True), proposed_sum=Sum("lines__proposed_amount", default=ZERO))

    @admin.display(description=_("numéro"), ordering="number")
    def number_shown(self, obj):
        return obj.number or _("(à venir)")

    @admin.display(description=_("subventions"), ordering="line_count")
    def lines_count(self, obj):
        return obj.line_count

    @admin.display(description=_("total proposé"), ordering="proposed_sum")
    def proposed_total(self, obj):
        return format_euros(obj.proposed_sum)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [*self.fields]
        if obj is not None:
            return [*self.readonly_fields, "funder"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change and not Deliberation.objects.get(pk=obj.pk).is_draft:
            raise PermissionDenied  # voted: every field is read-only, the page has no save button
        data = {name: form.cleaned_data[name] for name in ("body", "session_date", "number", "subject")}
        if change:
            saved = deliberation_update(deliberation=obj, user=request.user, **data)
        else:
            saved = deliberation_create(funder=form.cleaned_data["funder"], user=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Lines change through the services: the amount submitted to the vote, or the line taken off."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            line = inline_form.instance
            if line.pk is None:
                continue
            if inline_form in formset.deleted_forms:
                deliberation_line_remove(line=line, user=request.user)
                formset.deleted_objects.append(line)
            elif inline_form.has_changed():
                line = deliberation_line_update(line=line, voted_amount=inline_form.cleaned_data["voted_amount"],
                                                user=request.user)
                formset.changed_objects.append((line, inline_form.changed_data))

    def delete_model(self, request, obj):
        if not obj.is_draft:
            raise PermissionDenied
        super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)

    # --- Pages of their own ------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        custom = [
            path("<path:object_id>/ajouter-candidatures/", view(self.add_proposed_view),
                 name="deliberations_deliberation_add_proposed"),
            path("<path:object_id>/vote/", view(self.vote_view), name="deliberations_deliberation_vote"),
            path("<path:object_id>/transmission/", view(self.transmit_view),
                 name="deliberations_deliberation_transmit"),
            path("<path:object_id>/accuse-reception/", view(self.receipt_view),
                 name="deliberations_deliberation_receipt"),
            path("<path:object_id>/annexe.pdf", view(self.annex_pdf_view), name="deliberations_deliberation_annex_pdf"),
            path("<path:object_id>/annexe.xlsx", view(self.annex_xlsx_view),
                 name="deliberations_deliberation_annex_xlsx"),
            path("<path:object_id>/lettres.pdf", view(self.letters_view), name="deliberations_deliberation_letters"),
        ]
        return custom + super().get_urls()

    def _get(self, request, object_id, *, change=False) -> Deliberation:
        deliberation = self.get_object(request, unquote(object_id))
        if deliberation is None:
            raise Http404
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, deliberation):
            raise PermissionDenied
        return deliberation

    def _change_url(self, deliberation) -> str:
        return reverse("admin:deliberations_deliberation_change", args=[deliberation.pk])

    def _page(self, request, deliberation, template, title, **context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": deliberation,
            "title": title, "change_url": self._change_url(deliberation), **context})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deliberation = self.get_object(request, unquote(object_id))
        if deliberation is not None and not deliberation.is_draft:  # nothing to save: every field is read-only
            extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                             "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["may_vote"] = obj.is_draft and request.user.has_perm(VOTE_PERMISSION)
            context["letters"] = [(letter, letter_reference(letter)) for letter in
                                  obj.letters.select_related("application__beneficiary")]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def add_proposed_view(self, request, object_id):
        deliberation = self._get(request, object_id, change=True)
        form = AddProposedForm(request.POST or request.GET or None, funder=deliberation.funder)
        candidates = []
        if form.is_bound and form.is_valid():
            candidates = list(proposed_not_inscribed(form.cleaned_data["campaign"]))
            if request.method == "POST" and "confirm" in request.POST:
                try:
                    lines = deliberation_add_proposed(deliberation=deliberation, campaign=form.cleaned_data["campaign"],
                                                      user=request.user)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("%(count)s candidatures proposées ajoutées à la délibération.")
                                     % {"count": len(lines)})
                    return redirect(self._change_url(deliberation))
        return self._page(request, deliberation, "admin/deliberations/deliberation/add_proposed.html",
                          _("Ajouter les candidatures proposées"), form=form, candidates=candidates)

    def _not_granted_from(self, request, lines) -> dict:
        return {line.pk: request.POST.get(f"reason_{line.pk}", "") for line in lines
                if request.POST.get(f"refuse_{line.pk}")}

    def vote_view(self, request, object_id):
        deliberation = self._get(request, object_id, change=True)
        if not request.user.has_perm(VOTE_PERMISSION):
            raise PermissionDenied
        lines = list(deliberation.lines.select_related("application__beneficiary", "application__campaign__programme"))
        errors, not_granted = [], {}
        if request.method == "POST":
            not_granted = self._not_granted_from(request, lines)
            if "confirm" in request.POST:
                try:
                    deliberation_vote(deliberation=deliberation, by=request.user, not_granted=not_granted)
                except ValidationError as error:
                    errors = error.messages
                else:
                    messages.success(request, _("Vote enregistré : les conventions en brouillon et les lettres sont "
                                                "produites."))
                    return redirect(self._change_url(deliberation))
        plan = vote_plan(deliberation, not_granted=not_granted, lines=lines)
        blocking = vote_refusals(deliberation, lines, {line.pk for line in lines} - set(not_granted))
        rows = [(line, line.pk in not_granted, not_granted.get(line.pk, "")) for line in lines]
        return self._page(request, deliberation, "admin/deliberations/deliberation/vote_confirm.html",
                          _("Enregistrer le vote"), plan=plan, rows=rows, errors=errors, threshold=WRITTEN_AGREEMENT_THRESHOLD,
                          blocking=[] if errors else blocking,
                          previewed=request.method == "POST")

    def _date_view(self, request, object_id, *, service, field, title, intro, success):
        deliberation = self._get(request, object_id, change=True)
        form = DateForm(request.POST or None, initial={"day": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                service(deliberation=deliberation, user=request.user, **{field: form.cleaned_data["day"]})
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("day", message)
            else:
                messages.success(request, success)
                return redirect(self._change_url(deliberation))
        return self._page(request, deliberation, "admin/deliberations/deliberation/date_confirm.html", title,
                          form=form, intro=intro)

    def transmit_view(self, request, object_id):
        return self._date_view(
            request, object_id, service=deliberation_transmit, field="transmitted_on",
            title=_("Transmettre à la préfecture"),
            intro=_("Date d'envoi de la délibération votée au contrôle de légalité. Une fois enregistrée, elle ne "
                    "change plus."), success=_("Transmission à la préfecture enregistrée."))

    def receipt_view(self, request, object_id):
        return self._date_view(
            request, object_id, service=deliberation_record_receipt, field="received_on",
            title=_("Accusé de réception du contrôle de légalité"),
            intro=_("Date de réception par la préfecture (accusé de réception). Une fois enregistrée, elle ne change "
                    "plus."), success=_("Accusé de réception enregistré."))

    def _annex(self, request, object_id):
        deliberation = self._get(request, object_id)
        try:
            return deliberation, annex_table(deliberation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return deliberation, None

    def annex_pdf_view(self, request, object_id):
        """Made in the background (jobs): the job's page follows it and gives the file."""
        deliberation, annex = self._annex(request, object_id)
        if annex is None:  # refused at once, with its reason, rather than by a failed job
            return redirect(self._change_url(deliberation))
        return redirect(reverse("jobs:detail", args=[annex_pdf_start(deliberation=deliberation, user=request.user).pk]))

    def annex_xlsx_view(self, request, object_id):
        deliberation, annex = self._annex(request, object_id)
        if annex is None:
            return redirect(self._change_url(deliberation))
        response = HttpResponse(annex_xlsx(annex), content_type=XLSX)
        name = pdf_filename("annexe-deliberation", deliberation.number or str(deliberation.pk))[:-4] + ".xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response

    def letters_view(self, request, object_id):
        deliberation = self._get(request, object_id)
        if not deliberation.letters.exists():
            raise Http404
        return redirect(reverse("jobs:detail", args=[letters_pdf_start(deliberation=deliberation, user=request.user).pk]))


@admin.register(Letter)
class LetterAdmin(DomainAdmin):
    list_display = ["reference_shown", "kind", "beneficiary", "action", "amount_shown", "issued_on", "pdf_link"]
    list_filter = ["kind", "deliberation"]
    search_fields = ["application__beneficiary__name", "application__action_title"]
    list_select_related = ["application__beneficiary", "deliberation"]
    fields = ["kind", "deliberation", "application", "amount", "reason", "issued_on"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # produced by the vote only

    def has_change_permission(self, request, obj=None):
        return False  # what a letter says is fixed when it is issued

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("<path:object_id>/lettre.pdf", self.admin_site.admin_view(self.pdf_view),
                     name="deliberations_letter_pdf"), *super().get_urls()]

    def pdf_view(self, request, object_id):
        letter = letters_queryset(self.get_queryset(request)).filter(pk=unquote(object_id)).first()
        if letter is None:
            raise Http404
        if not self.has_view_permission(request, letter):
            raise PermissionDenied
        return pdf_response(letters_pdf([letter]), f"{letter_reference(letter)}-{letter.application.beneficiary.short_name}")

    @admin.display(description=_("référence"))
    def reference_shown(self, obj):
        return letter_reference(obj)

    @admin.display(description=_("Association"), ordering="application__beneficiary__name")
    def beneficiary(self, obj):
        return list_name(obj.application.beneficiary)

    @admin.display(description=_("action"))
    def action(self, obj):
        return obj.application.action_title

    @admin.display(description=_("montant"), ordering="amount")
    def amount_shown(self, obj):
        return format_euros(obj.amount)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:deliberations_letter_pdf", args=[obj.pk]), _("PDF"))

