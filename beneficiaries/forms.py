"""Forms of the portal's access pages and of the staff's « inviter un membre »."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import MemberRole, Membership


class InvitationForm(forms.Form):
    """What the agent types to invite a person to an association."""

    email = forms.EmailField(
        label=_("Courriel de la personne invitée"),
        help_text=_("Le lien d'invitation part à cette adresse ; il sert une fois et expire."),
    )
    role = forms.ChoiceField(label=_("Rôle dans l'association"), choices=MemberRole.choices, initial=MemberRole.STAFF)

    def __init__(self, *args, beneficiary, **kwargs):
        super().__init__(*args, **kwargs)
        self.beneficiary = beneficiary

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(beneficiary=self.beneficiary, user__email__iexact=email, is_active=True).exists():
            raise forms.ValidationError(_("Cette personne est déjà membre de l'association."))
        return email


class AccountCreationForm(forms.Form):
    """A new member's name and password, chosen on the invitation page."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 8 caractères, pas uniquement des chiffres, ni trop proche de votre nom ou de votre courriel."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Saisissez le même mot de passe, pour vérification."),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1:
            user = get_user_model()(username=self.email, email=self.email,
                                    first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return cleaned


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form, with the words of the portal."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Identifiant ou mot de passe incorrect. Vérifiez votre saisie (les majuscules comptent)."),
        "inactive": _("Ce compte est désactivé. Contactez le service instructeur."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Identifiant")
        self.fields["username"].help_text = _("Pour un compte créé par invitation : votre adresse électronique.")
        self.fields["password"].label = _("Mot de passe")
