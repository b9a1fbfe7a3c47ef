"""Portal and admin forms of applications: what the association writes, and the instruction's decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.forms import AmountField
from campaigns.models import Opinion
from campaigns.rules import APPLICATION_DOCUMENTS
from documents.models import DocumentKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicationForm(forms.Form):
    """The action and the amount requested (Cerfa 12156, « description du projet »)."""

    action_title = forms.CharField(label=_("Intitulé de l'action"), max_length=255)
    objectives = forms.CharField(label=_("Objectifs de l'action"), widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Ce que l'action doit permettre d'atteindre, "
                                                             "un objectif par ligne."))
    action_start = forms.DateField(label=_("Début de l'action"), widget=DATE_WIDGET)
    action_end = forms.DateField(label=_("Fin de l'action"), widget=DATE_WIDGET)
    public = forms.CharField(label=_("Public visé"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Les personnes à qui l'action s'adresse, et combien."))
    place = forms.CharField(label=_("Lieu de l'action"), max_length=255)
    requested_amount = AmountField(label=_("Montant demandé (€)"),
                                   help_text=_("Par exemple « 15 000 » ou « 15 000,50 »."))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("action_start"), cleaned.get("action_end")
        if start and end and end < start:
            self.add_error("action_end", _("La fin de l'action précède son début."))
        return cleaned


class ApplicationDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Pièce"), choices=[(kind, DocumentKind(kind).label) for kind in APPLICATION_DOCUMENTS])
    file = forms.FileField(
        label=_("Fichier à joindre"), help_text=_("PDF, JPEG ou PNG."),
        error_messages={"required": _("Choisissez un fichier à joindre."), "empty": _("Ce fichier est vide."),
                        "invalid": _("Aucun fichier n'a été reçu : choisissez-le de nouveau.")},
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))


class ResubmitForm(forms.Form):
    message = forms.CharField(label=_("Votre réponse au service instructeur"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Ce que vous avez complété ou corrigé."))


# --- The instruction (admin) -------------------------------------------------------------------


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Agent instructeur"), queryset=None)

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ProposeForm(forms.Form):
    opinion = forms.ChoiceField(label=_("Avis"), choices=[(Opinion.FAVORABLE, Opinion.FAVORABLE.label),
                                                          (Opinion.RESERVED, Opinion.RESERVED.label)])
    proposed_amount = AmountField(label=_("Montant proposé (€)"))
    proposal_reason = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    proposal_reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))


class RequestChangesForm(forms.Form):
    message = forms.CharField(label=_("Ce que l'association doit compléter"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Envoyé par courriel aux membres de l'association."))
