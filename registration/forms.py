"""The public form « Inscrire votre association », and the one that asks for a new activation link."""

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beneficiaries.directory import lookup_widget_attrs
from beneficiaries.identifiers import IdentifierFormField, validate_rna, validate_siret
from beneficiaries.models import Civility
from registration.services import AssociationInput, PersonInput, registration_refusals

POSTAL_CODE = re.compile(r"^\d{5}$")


def _text(label, max_length, *, required=True, autocomplete="", help_text=""):
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


class RegistrationForm(forms.Form):
    """The association (as on its registration documents) and the person who registers it."""

    ASSOCIATION_FIELDS = ("name", "acronym", "siret", "rna", "address", "postal_code", "city", "email", "phone")
    REPRESENTATIVE_FIELDS = ("representative_civility", "representative_title", "representative_name")
    PERSON_FIELDS = ("first_name", "last_name", "user_email", "password1", "password2", "authorised")
    #: Set by ``clean``: the association is on file / the email has an account (the page says what to do).
    already_registered = existing_account = False

    name = _text(_("Dénomination"), 255, autocomplete="organization",
                 help_text=_("Le nom de l'association tel qu'il figure dans ses statuts."))
    acronym = _text(_("Sigle"), 50, required=False)
    siret = IdentifierFormField(
        label=_("Numéro SIRET"), max_length=20, required=False,
        help_text=_("14 chiffres, par exemple « 812 345 678 00013 ». Indiquez le SIRET, le numéro RNA, ou les deux."))
    rna = IdentifierFormField(
        label=_("Numéro RNA"), max_length=20, required=False,
        help_text=_("La lettre W suivie de 9 chiffres, par exemple « W131234567 »."))
    address = _text(_("Adresse du siège"), 255, autocomplete="street-address",
                    help_text=_("Numéro et voie."))
    postal_code = _text(_("Code postal"), 10, autocomplete="postal-code")
    city = _text(_("Commune"), 100, autocomplete="address-level2")
    email = forms.EmailField(label=_("Courriel de l'association"), required=False, max_length=254)
    phone = _text(_("Téléphone de l'association"), 30, required=False, autocomplete="tel")
    representative_civility = forms.ChoiceField(label=_("Civilité du représentant légal"), choices=Civility.choices,
                                                widget=forms.RadioSelect)
    representative_title = _text(_("Qualité du représentant légal"), 100,
                                 help_text=_("Par exemple : Président, Présidente."))
    representative_name = _text(_("Nom du représentant légal"), 150,
                                help_text=_("Prénom et nom, par exemple « Camille DURAND »."))

    first_name = _text(_("Prénom"), 150, autocomplete="given-name")
    last_name = _text(_("Nom"), 150, autocomplete="family-name")
    user_email = forms.EmailField(
        label=_("Votre adresse électronique"), max_length=150,  # it is the account's identifier too
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Elle sera votre identifiant de connexion ; le lien d'activation y est envoyé."))
    password1 = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 8 caractères, pas uniquement des chiffres, ni trop proche de votre nom ou de votre "
                    "courriel."))
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Saisissez le même mot de passe, pour vérification."))
    authorised = forms.BooleanField(
        label=_("Je certifie être habilité·e à agir au nom de cette association."),
        error_messages={"required": _("Cochez cette case : seule une personne habilitée peut inscrire "
                                      "l'association.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("siret", "rna"):  # a typed SIRET or RNA fills the empty fields (directory_lookup.js)
            self.fields[name].widget.attrs.update(lookup_widget_attrs(reverse("registration:directory_lookup")))

    def clean_siret(self):
        siret = self.cleaned_data["siret"]
        if siret:
            validate_siret(siret)
        return siret

    def clean_rna(self):
        rna = self.cleaned_data["rna"]
        if rna:
            validate_rna(rna)
        return rna

    def clean_postal_code(self):
        postal_code = self.cleaned_data["postal_code"].replace(" ", "")
        if not POSTAL_CODE.match(postal_code):
            raise ValidationError(_("Le code postal compte 5 chiffres, par exemple « 13001 »."))
        return postal_code

    def clean_user_email(self):
        return self.cleaned_data["user_email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        siret, rna = cleaned.get("siret"), cleaned.get("rna")
        if not siret and not rna and "siret" not in self.errors and "rna" not in self.errors:
            self.add_error("siret", _("Indiquez le numéro SIRET ou le numéro RNA de l'association (au moins l'un "
                                      "des deux)."))
        refusals = registration_refusals(siret=siret or "", rna=rna or "", email=cleaned.get("user_email", ""))
        for field, message in refusals.items():
            self.add_error(field, message)
        self.already_registered = "siret" in refusals or "rna" in refusals
        self.existing_account = "user_email" in refusals
        self._check_password(cleaned)
        return cleaned

    def _check_password(self, cleaned):
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1:
            email = cleaned.get("user_email", "")
            user = get_user_model()(username=email, email=email, first_name=cleaned.get("first_name", ""),
                                    last_name=cleaned.get("last_name", ""))
            try:
                password_validation.validate_password(password1, user)
            except ValidationError as error:
                self.add_error("password1", error)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))

    def association(self) -> AssociationInput:
        data = self.cleaned_data
        return AssociationInput(**{name: data[name] or "" for name in (*self.ASSOCIATION_FIELDS,
                                                                         *self.REPRESENTATIVE_FIELDS)})

    def person(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(first_name=data["first_name"], last_name=data["last_name"], email=data["user_email"],
                           password=data["password1"])

    def sections(self):
        """The fields in the page's three groups: (legend, fields)."""
        return [
            (_("L'association"), [self[name] for name in self.ASSOCIATION_FIELDS]),
            (_("Son représentant légal"), [self[name] for name in self.REPRESENTATIVE_FIELDS]),
            (_("Vous, qui l'inscrivez"), [self[name] for name in self.PERSON_FIELDS]),
        ]


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Votre adresse électronique"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                             help_text=_("Celle que vous avez indiquée en inscrivant l'association."))
