from django import forms
from django.utils.translation import gettext_lazy as _

from notices.models import Frequency


class PreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Recevoir les courriels de l'application"), choices=Frequency.choices, widget=forms.RadioSelect,
        help_text=_("« Un résumé par jour » : un seul courriel par jour, qui liste les notifications arrivées depuis "
                    "le précédent, chacune avec son lien. Les invitations et les liens d'activation de compte partent "
                    "toujours aussitôt."),
        error_messages={"required": _("Choisissez « immédiatement » ou « un résumé par jour »."),
                        "invalid_choice": _("Choisissez « immédiatement » ou « un résumé par jour ».")},
    )
