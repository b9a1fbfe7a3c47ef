"""Checks of the French identifiers the software stores: SIRET, RNA, IBAN (DOMAIN.md §8)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RNA_PATTERN = re.compile(r"^W\d{9}$")
IBAN_PATTERN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
BIC_PATTERN = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


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
