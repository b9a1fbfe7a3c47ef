"""Checks of the French identifiers the software stores: SIRET, RNA, IBAN (DOMAIN.md §8).

Identifiers are read as printed: « 812 345 678 00013 », « 812.345.678.00013 » or with the
no-break spaces a PDF or a word processor puts between groups are the same SIRET.
``normalize_identifier`` removes those separators, once, before any length or checksum
check; ``IdentifierField`` applies it to the model fields (forms, admin, services, imports).

An identifier printed wrong in a signed document may be kept as printed, marked « à
vérifier » (``siret_to_check``, ``rna_to_check`` on the association): ``identifier_state``
then says so, the compliance block flags it and nothing counts it valid.
"""

import re
from enum import StrEnum

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

RNA_PATTERN = re.compile(r"^W\d{9}$")
IBAN_PATTERN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
BIC_PATTERN = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


#: What separates the groups of a printed identifier: white space (normal, no-break U+00A0,
#: narrow no-break U+202F, thin, figure…), zero-width spaces and word joiners, and dots.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u200b\u2060\ufeff.]+")
#: How long a printed identifier may be, separators included (« 812 345 678 00013 » is 17).
PRINTED_MAX_LENGTH = 40


def normalize_identifier(value) -> str:
    """Return a SIRET, SIREN or RNA without the spaces and dots it was printed with, upper-cased."""
    return _SEPARATORS.sub("", str(value or "")).upper()


class IdentifierState(StrEnum):
    MISSING = "missing"  # non renseigné
    VALID = "valid"
    TO_CHECK = "to_check"  # kept as printed on a signed document, not verified
    INVALID = "invalid"


def identifier_state(value: str | None, *, to_check: bool, is_valid) -> IdentifierState:
    """Return the state of a stored identifier: missing, valid, à vérifier, or invalid.

    An identifier marked « à vérifier » is never valid, even when its checksum happens to be
    right: it is the printed value nobody has confirmed.
    """
    if not value:
        return IdentifierState.MISSING
    if to_check:
        return IdentifierState.TO_CHECK
    return IdentifierState.VALID if is_valid(value) else IdentifierState.INVALID


class IdentifierFormField(forms.CharField):
    """A text input that takes an identifier as printed (spaces, dots) and cleans it to its digits."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalize_identifier(value) or self.empty_value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:  # room for the separators, removed before the length check
            attrs["maxlength"] = str(PRINTED_MAX_LENGTH)
        return attrs


class IdentifierField(models.CharField):
    """A SIRET or RNA column: stored without separators, whoever writes it (form, service, import)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_identifier(value) if value else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        value = normalize_identifier(value) if value else value
        if not value and self.null:
            value = None  # not given: NULL, never an empty string beside it
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_identifier(value) if value else value  # filter(siret="812 345 678 00013") finds it

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": IdentifierFormField, **kwargs})


def luhn_is_valid(digits: str) -> bool:
    """Return True when ``digits`` passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_is_valid(value: str) -> bool:
    """Return True for a 14-digit SIRET whose Luhn checksum is right."""
    return len(value) == 14 and value.isdigit() and luhn_is_valid(value)


def rna_is_valid(value: str) -> bool:
    """Return True for an RNA number: « W » followed by nine digits."""
    return bool(RNA_PATTERN.match(value))


def iban_is_valid(value: str) -> bool:
    """Return True for an IBAN whose ISO 13616 mod-97 checksum equals 1."""
    compact = normalize_iban(value)
    if not IBAN_PATTERN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def normalize_iban(value: str) -> str:
    """Return the IBAN without spaces, upper-cased."""
    return re.sub(r"\s+", "", value or "").upper()


def format_iban(value: str) -> str:
    """Return the IBAN in groups of four characters, as printed on bank details."""
    compact = normalize_iban(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def validate_siret(value: str) -> None:
    if not siret_is_valid(value):
        raise ValidationError(
            _("Le numéro SIRET « %(value)s » est invalide : 14 chiffres attendus, clé de contrôle (Luhn) comprise."),
            code="invalid_siret",
            params={"value": value},
        )


def validate_rna(value: str) -> None:
    if not rna_is_valid(value):
        raise ValidationError(
            _("Le numéro RNA « %(value)s » est invalide : la lettre W suivie de 9 chiffres est attendue."),
            code="invalid_rna",
            params={"value": value},
        )


def validate_iban(value: str) -> None:
    if not iban_is_valid(value):
        raise ValidationError(
            _("L'IBAN « %(value)s » est invalide : vérifiez sa saisie (clé de contrôle incorrecte)."),
            code="invalid_iban",
            params={"value": value},
        )


def validate_bic(value: str) -> None:
    if not BIC_PATTERN.match(value or ""):
        raise ValidationError(
            _("Le BIC « %(value)s » est invalide : 8 ou 11 caractères attendus."),
            code="invalid_bic",
            params={"value": value},
        )
