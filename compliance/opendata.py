"""Open data: signed agreements in the SCDL « Subventions » 2.1.1 format (décret n° 2017-779).

One row per beneficiary of a signed agreement, the schema's 16 columns in its order, UTF-8
CSV with a comma. An agreement that lacks something the schema requires is not written: it is
listed with what is missing, so the file published is always valid.

Two checks of the schema (``custom_checks``) are not Table Schema constraints and generic
validators ignore them; they are implemented here (``custom_check_errors``) and applied to
every row before it is written:
- ``french-siret-value``: a non-empty ``idAttribuant`` / ``idBeneficiaire`` is a real SIRET
  (14 digits, Luhn key; La Poste's establishments use their own rule);
- ``one-of-required``: ``idBeneficiaire`` or ``rnaBeneficiaire`` is filled.

``montant`` is, per the schema, « Montant total de la subvention attribuée »: the amount granted
in force, i.e. the amount of the agreement plus the changes of its signed amendments (an
amendment is part of the agreement; a draft one is not). The published figure must be what the
association is granted, not what the first signature said (``payments.effective_amount``).

A multi-year agreement (``conventions.Tranche``) gives one row per year whose amount is voted:
each year is a decision of its own (``referenceDecision``: that year's deliberation), its
``montant`` is that year's amount in force (its signed amendments included) and its
``datesPeriodeVersement`` that year's payments. ``dateConvention`` stays the agreement's date
(the schema: « date de la convention »), the same on every row. A year not voted yet grants
nothing and is not published; the agreement is published with its first voted year. The
shipped schema (2.1.1) has no field for the year, so the rows of one agreement differ by
their decision, amount and payment dates.

``pourcentageSubvention`` is, per the schema, « le pourcentage du montant total de la
subvention attribuée au bénéficiaire »: our agreements have one beneficiary each, so it is
1.00. The funder's share of the association's budget is shown on the staff dashboard.
"""

import csv
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from beneficiaries.identifiers import luhn_is_valid, rna_is_valid, siret_is_valid
from conventions.amounts import effective_amount, effective_tranche_amount
from conventions.models import Convention, Status, Tranche
from core.deadlines import justification_due_date
from core.money import HUNDRED
from documents.obligations import agreement_date
from finance.models import PaymentKind, PaymentRequest, PaymentStatus

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "scdl-subventions-2.1.1.json"
SCDL_VERSION = "2.1.1"
SCDL_FIELDS = (
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide",
)
NATURE_CASH = "aide en numéraire"
SINGLE_PAYMENT = "unique"
STAGGERED_PAYMENT = "échelonné"
NOT_NOTIFIED_TO_EU = "non"
SINGLE_BENEFICIARY_SHARE = "1.00"
OBJECT_MAX_LENGTH = 256
LA_POSTE_SIREN = "356000000"


@cache
def scdl_schema() -> dict:
    """Return the SCDL « Subventions » 2.1.1 Table Schema shipped with the application."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def french_siret_value_is_valid(value: str) -> bool:
    """Return True for a SIRET the schema's ``french-siret-value`` check accepts."""
    if value.startswith(LA_POSTE_SIREN) and len(value) == 14 and value.isdigit():
        return luhn_is_valid(value) or sum(int(d) for d in value) % 5 == 0
    return siret_is_valid(value)


def beneficiary_siret_for_export(beneficiary) -> str:
    """Return the association's SIRET for ``idBeneficiaire``: a valid one, never one « à vérifier »."""
    value = beneficiary.siret or ""
    return value if value and not beneficiary.siret_to_check and french_siret_value_is_valid(value) else ""


def custom_check_errors(row: dict) -> list[str]:
    """Return the errors of ``row`` against the schema's ``custom_checks``, in French."""
    errors = []
    for check in scdl_schema().get("custom_checks", []):
        params = check["params"]
        if check["name"] == "french-siret-value":
            value = row.get(params["column"], "")
            if value and not french_siret_value_is_valid(value):
                errors.append(_("%(column)s : « %(value)s » n'est pas un SIRET valide.") % {
                    "column": params["column"], "value": value})
        elif check["name"] == "one-of-required" and not (row.get(params["column1"]) or row.get(params["column2"])):
            errors.append(_("%(a)s ou %(b)s doit être renseigné.") % {"a": params["column1"], "b": params["column2"]})
    return errors


@dataclass(frozen=True)
class ExportProblem:
    """An agreement left out of the file, and why."""

    convention: Convention
    missing: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"{self.convention.reference} ({self.convention.beneficiary.name}) : " + " ; ".join(self.missing)


@dataclass(frozen=True)
class ScdlExport:
    rows: list[dict]
    problems: list[ExportProblem]
    conventions: list[Convention]  # the agreements written, once each (a multi-year agreement may have several rows)


def exported_conventions():
    """Return the signed agreements, with what their rows need, in a fixed number of queries."""
    paid = PaymentRequest.objects.filter(status=PaymentStatus.PAID).order_by("paid_on", "pk")
    voted = Tranche.objects.filter(voted_at__isnull=False).with_amount_in_force().order_by("year")
    return (
        Convention.objects.signed()
        .with_amount_in_force()
        .select_related("beneficiary", "funder")
        .prefetch_related(Prefetch("payment_requests", queryset=paid, to_attr="paid_requests"),
                          Prefetch("tranches", queryset=voted, to_attr="voted_tranches"))
        .order_by("fiscal_year", "reference")
    )


def scdl_export(conventions=None) -> ScdlExport:
    """Return the rows of the valid agreements and the problems of the others."""
    rows, problems, exported = [], [], []
    for convention in exported_conventions() if conventions is None else conventions:
        written = False
        for tranche in scdl_years(convention):
            row, missing = scdl_row(convention, tranche=tranche)
            if missing:
                problems.append(ExportProblem(convention, tuple(missing)))
            else:
                rows.append(row)
                written = True
        if written:
            exported.append(convention)
    return ScdlExport(rows, problems, exported)


def scdl_years(convention) -> list:
    """Return what ``convention`` gives rows for: ``[None]`` (one row) for a one-year agreement, its voted years
    for a multi-year one (none voted yet: nothing granted, so nothing to publish)."""
    if not convention.is_multiannual:
        return [None]
    voted = getattr(convention, "voted_tranches", None)
    if voted is None:
        voted = list(convention.tranches.filter(voted_at__isnull=False).with_amount_in_force().order_by("year"))
    return voted


def is_staggered(convention) -> bool:
    """Return True when the grant is paid in an advance then a balance (seed art. 4.3)."""
    return 0 < convention.advance_cap_percent < HUNDRED


def payment_period(convention, tranche=None) -> str | None:
    """Return ``datesPeriodeVersement``: the payment date, or the period ``start/end`` (ISO 8601).

    Payments made give the dates; a payment still to come is expected by the justification
    date (the balance follows the documents of art. 6.2). None when nothing dates the payments.
    For one year of a multi-year agreement (``tranche``): that year's payments, expected by
    that year's justification date.
    """
    paid = getattr(convention, "paid_requests", None)
    if paid is None:
        paid = list(convention.payment_requests.filter(status=PaymentStatus.PAID).order_by("paid_on", "pk"))
    if tranche is not None:
        paid = [p for p in paid if p.tranche_id == tranche.pk]
        if not paid and tranche.year > convention.fiscal_year:
            start = agreement_date(convention)
            start = max(start, date(tranche.year, 1, 1)) if start else None
            end = justification_due_date(convention, tranche.year)
            return None if start is None else f"{start.isoformat()}/{end.isoformat()}"
    start = paid[0].paid_on if paid else agreement_date(convention)
    if start is None:
        return None
    finished = (
        convention.status in (Status.CLOSED, Status.TERMINATED)
        or any(p.kind == PaymentKind.BALANCE for p in paid)
        or (bool(paid) and not is_staggered(convention))
    )
    if finished:
        end = paid[-1].paid_on if paid else (convention.terminated_on or start)
    else:
        end = justification_due_date(convention, tranche.year if tranche is not None else None)
    return start.isoformat() if end <= start else f"{start.isoformat()}/{end.isoformat()}"


def scdl_row(convention, tranche=None) -> tuple[dict, list[str]]:
    """Return the SCDL row of ``convention`` (of its year ``tranche``, for a multi-year agreement) and the
    list of what is missing or invalid (French)."""
    beneficiary, funder = convention.beneficiary, convention.funder
    signed_on = agreement_date(convention)
    period = payment_period(convention, tranche)
    missing = []
    if not funder.siret or not french_siret_value_is_valid(funder.siret):
        missing.append(_("SIRET de la collectivité (idAttribuant) invalide"))
    if signed_on is None:
        missing.append(_("date de signature de la convention (dateConvention)"))
    # A SIRET or RNA kept « à vérifier » (as printed on a signed document) is never published as valid.
    siret = beneficiary_siret_for_export(beneficiary)
    if beneficiary.siret_to_check:
        missing.append(_("SIRET de l'association (idBeneficiaire) à vérifier"))
    elif beneficiary.siret and not siret:
        missing.append(_("SIRET de l'association (idBeneficiaire) invalide"))
    rna = beneficiary.rna if not beneficiary.rna_to_check and rna_is_valid(beneficiary.rna or "") else ""
    if beneficiary.rna_to_check:
        missing.append(_("numéro RNA (rnaBeneficiaire) à vérifier"))
    elif beneficiary.rna and not rna:
        missing.append(_("numéro RNA (rnaBeneficiaire) invalide"))
    if not siret and not rna:
        missing.append(_("SIRET ou RNA de l'association (idBeneficiaire ou rnaBeneficiaire)"))
    if not convention.title.strip():
        missing.append(_("objet de la subvention (objet)"))
    if period is None:
        missing.append(_("dates de versement (datesPeriodeVersement)"))
    amount = effective_amount(convention) if tranche is None else effective_tranche_amount(tranche)
    if amount is None:  # SCDL: « montant » is required, and an unknown amount is no number to publish
        missing.append(_("montant de la subvention (montant) non renseigné"))
    row = {
        "nomAttribuant": funder.name,
        "idAttribuant": funder.siret,
        "dateConvention": signed_on.isoformat() if signed_on else "",
        "referenceDecision": (tranche or convention).deliberation_number,
        "nomBeneficiaire": beneficiary.name,
        "idBeneficiaire": siret,
        "rnaBeneficiaire": rna,
        "objet": convention.title.strip()[:OBJECT_MAX_LENGTH],
        # SCDL « montant »: the total granted, in force (signed amendments included); see the docstring.
        "montant": "" if amount is None else f"{amount:f}",
        "nature": NATURE_CASH,
        "conditionsVersement": STAGGERED_PAYMENT if is_staggered(convention) else SINGLE_PAYMENT,
        "datesPeriodeVersement": period or "",
        "idRAE": "",
        "notificationUE": NOT_NOTIFIED_TO_EU,
        "pourcentageSubvention": SINGLE_BENEFICIARY_SHARE,
        "dispositifAide": "",
    }
    if not missing:
        missing = custom_check_errors(row)
    return row, missing


def write_scdl_csv(export: ScdlExport, stream) -> None:
    """Write the export's rows as the SCDL CSV file (header first) to a text ``stream``."""
    writer = csv.DictWriter(stream, fieldnames=SCDL_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(export.rows)


def scdl_filename(day: date) -> str:
    """Return the file name of an export made on ``day``."""
    return f"subventions-scdl-{SCDL_VERSION}-{day.isoformat()}.csv"
