"""The public directory of companies and associations (« API Recherche d'entreprises »).

Typing a SIRET or an RNA number fills the association's name, address and legal form from
``DIRECTORY_API_URL`` (https://recherche-entreprises.api.gouv.fr/search, no key). Its answer,
as documented: ``results[]`` with ``siren``, ``nom_raison_sociale`` / ``nom_complet``,
``sigle``, ``nature_juridique`` (a code: 9220 is « Association déclarée »), ``siege``
(``numero_voie``, ``indice_repetition``, ``type_voie``, ``libelle_voie``, ``adresse``,
``code_postal``, ``libelle_commune``) and ``complements.identifiant_association`` (the RNA).
A W… RNA number is found there only for associations also registered in Sirene (the API's
text search matches it exactly); an association without a SIREN is not in this directory.

One request, a short timeout, no retry: when the directory does not answer, the person types
the information, and nothing already typed is lost. Only a valid SIRET or RNA ever leaves.
"""

import json
from dataclasses import dataclass, field
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from django.utils.translation import gettext as _

from beneficiaries.identifiers import normalize_identifier, rna_is_valid, siret_is_valid

TIMEOUT_SECONDS = 2
MAX_ANSWER_BYTES = 1_000_000

#: The legal forms of associations (INSEE's « catégories juridiques », level 3), as our forms write them.
LEGAL_FORMS = {
    "9210": "Association non déclarée",
    "9220": "Association loi 1901",
    "9221": "Association loi 1901 d'insertion par l'économique",
    "9222": "Association intermédiaire",
    "9223": "Groupement d'employeurs",
    "9230": "Association loi 1901 reconnue d'utilité publique",
    "9240": "Congrégation",
    "9260": "Association de droit local (Alsace-Moselle)",
}


class Status:
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNREACHABLE = "unreachable"
    INVALID = "invalid"
    OFF = "off"


@dataclass(frozen=True)
class Lookup:
    """What the directory said: a status, a sentence for the person, and the fields it fills."""

    status: str
    message: str
    fields: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"status": self.status, "message": self.message, "fields": self.fields}


def is_enabled() -> bool:
    return bool(settings.DIRECTORY_API_URL)


def off_message() -> str:
    return _("La recherche dans l'annuaire des entreprises est désactivée : saisissez les informations à la main.")


def lookup_widget_attrs(url: str) -> dict:
    """The attributes by which directory_lookup.js finds a SIRET or RNA input and its endpoint."""
    attrs = {"data-directory-url": url}
    if not is_enabled():
        attrs["data-directory-off"] = off_message()
    return attrs


def identifier_to_look_up(value) -> str | None:
    """The identifier as the directory takes it, or None when it is not a valid SIRET or RNA."""
    compact = normalize_identifier(value)
    return compact if siret_is_valid(compact) or rna_is_valid(compact) else None


def fetch(url: str) -> dict:
    """One GET of the directory, its JSON answer (the transport the tests replace)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("DIRECTORY_API_URL must be an http(s) URL")
    request = Request(url, headers={"Accept": "application/json", "User-Agent": "conventions-objectifs"})  # noqa: S310
    with urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only, checked above)
        return json.loads(response.read(MAX_ANSWER_BYTES))


def _street(siege: dict) -> str:
    parts = [siege.get(key) for key in ("numero_voie", "indice_repetition", "type_voie", "libelle_voie")]
    street = " ".join(str(part) for part in parts if part)
    if street:
        return street
    full = siege.get("adresse") or ""  # « 12 RUE DE LA REPUBLIQUE 13001 MARSEILLE »
    tail = " ".join(str(siege.get(key) or "") for key in ("code_postal", "libelle_commune")).strip()
    return full[: -len(tail)].strip() if tail and full.endswith(tail) else full


def fields_from_result(result: dict) -> dict:
    """Our association's fields from one of the directory's ``results`` (empty values left out)."""
    siege = result.get("siege") or {}
    complements = result.get("complements") or {}
    fields = {
        "name": result.get("nom_raison_sociale") or result.get("nom_complet") or "",
        "acronym": result.get("sigle") or "",
        "legal_form": LEGAL_FORMS.get(str(result.get("nature_juridique") or ""), ""),
        "address": _street(siege),
        "postal_code": siege.get("code_postal") or "",
        "city": siege.get("libelle_commune") or "",
        "siret": siege.get("siret") or "",
        "rna": complements.get("identifiant_association") or "",
    }
    return {name: str(value).strip() for name, value in fields.items() if value}


def _matching(results: list, identifier: str) -> dict | None:
    """The result that is the association typed: same SIREN, or same RNA (never the first of a list)."""
    for result in results:
        if identifier.startswith("W"):
            if (result.get("complements") or {}).get("identifiant_association") == identifier:
                return result
        elif result.get("siren") == identifier[:9]:
            return result
    return None


def directory_lookup(value, *, transport=None) -> Lookup:
    """Ask the directory about the SIRET or RNA ``value``; never raises, never retries."""
    if not is_enabled():
        return Lookup(Status.OFF, off_message())
    identifier = identifier_to_look_up(value)
    if identifier is None:  # nothing leaves for a value that is not an identifier
        return Lookup(Status.INVALID, _("Saisissez un SIRET (14 chiffres) ou un numéro RNA (W suivi de 9 chiffres) "
                                        "pour interroger l'annuaire."))
    url = f"{settings.DIRECTORY_API_URL}?{urlencode({'q': identifier, 'page': 1, 'per_page': 5})}"
    try:
        answer = (transport or fetch)(url)
        result = _matching(answer.get("results") or [], identifier)
    except (URLError, OSError, ValueError, AttributeError, TypeError):  # down, slow, or not the documented JSON
        return Lookup(Status.UNREACHABLE, _("Annuaire injoignable : saisissez les informations à la main."))
    if result is None:
        return Lookup(Status.NOT_FOUND, _("Aucune association ne porte ce numéro dans l'annuaire des entreprises : "
                                          "saisissez les informations à la main."))
    fields = fields_from_result(result)
    fields["rna" if identifier.startswith("W") else "siret"] = identifier  # as typed, not the head office's
    return Lookup(Status.FOUND, _("Informations reprises de l'annuaire des entreprises : vérifiez-les."), fields)
