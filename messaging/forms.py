"""The form that writes a message, on the portal and in the admin: text and attachments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import MAX_BODY_CHARS
from messaging.services import attachments_help


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the bounds (how many, how large, which types) are the service's."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_BODY_CHARS}),
        error_messages={"required": _("Écrivez votre message."),
                        "max_length": _("Votre message compte %(show_value)d caractères : la limite est de "
                                        "%(limit_value)d. Raccourcissez-le, ou joignez le détail en pièce jointe.")},
    )
    attachments = MultipleFileField(
        label=_("Pièces jointes"), required=False,
        error_messages={"empty": _("Un des fichiers est vide."),
                        "invalid": _("Aucun fichier n'a été reçu : choisissez-les de nouveau.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()
