"""Finance exports: the CSV for the accounting software and the payment PDFs."""

import csv
import io
from decimal import Decimal

from beneficiaries.identifiers import format_iban
from core.pdf import pdf_filename, render_pdf
from finance import rules as payments
from finance.models import PaymentRequest

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value) -> str:
    """Return ``value`` as text that a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _decimal_fr(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


CSV_COLUMNS = [
    ("reference", "Référence convention"), ("beneficiary", "Bénéficiaire"), ("siret", "SIRET"), ("rna", "RNA"),
    ("iban", "IBAN"), ("bic", "BIC"), ("kind", "Versement"), ("amount", "Montant"), ("status", "État"),
    ("certified_on", "Certifiée le"), ("commitment_number", "Numéro d'engagement"),
    ("budget_imputation", "Imputation budgétaire"), ("payment_order_number", "Numéro de mandat"),
    ("paid_on", "Mandatée le"), ("deliberation", "Délibération"),
]


def payment_requests_for_export(queryset):
    """Bundle what the exports of payment requests read, in a fixed number of queries."""
    return queryset.select_related("convention__beneficiary", "convention__funder").order_by("convention__reference", "kind")


def payment_requests_csv(queryset) -> str:
    """Return one row per request with every finance field, ``;``-separated, decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for request in payment_requests_for_export(queryset):
        convention, beneficiary = request.convention, request.convention.beneficiary
        row = {
            "reference": convention.reference, "beneficiary": beneficiary.name, "siret": beneficiary.siret,
            "rna": beneficiary.rna, "iban": beneficiary.iban, "bic": beneficiary.bic, "kind": request.get_kind_display(),
            "amount": _decimal_fr(request.amount), "status": request.get_status_display(),
            "certified_on": request.certified_on.isoformat(), "commitment_number": request.commitment_number,
            "budget_imputation": request.budget_imputation, "payment_order_number": request.payment_order_number,
            "paid_on": request.paid_on.isoformat() if request.paid_on else "",
            "deliberation": " ".join(filter(None, [convention.deliberation_number,
                                                   convention.deliberation_date.isoformat() if convention.deliberation_date else ""])),
        }
        writer.writerow([neutralise_cell(row[key]) for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def _request_context(request: PaymentRequest, money: payments.Schedule) -> dict:
    return {
        "payment": request, "convention": request.convention, "beneficiary": request.convention.beneficiary,
        "funder": request.convention.funder, "schedule": money,
        "paid_before": payments.paid_before_request(request, money),
        "remaining_after": payments.remaining_after_request(request, money),
        "iban": format_iban(request.convention.beneficiary.iban),
    }


def payment_requests_pdf(requests: list[PaymentRequest]) -> bytes:
    """Return one PDF with one page per payment request (DOMAIN.md §9.3)."""
    schedules = payments.request_schedules_for(requests)
    items = [_request_context(r, schedules[r.pk]) for r in requests]
    return render_pdf("conventions/pdf/payment_requests.html", {"items": items})


def recovery_notice_pdf(recovery) -> bytes:
    """Return the recovery notice (avis de reversement) of ``recovery``."""
    convention = recovery.convention
    return render_pdf("conventions/pdf/recovery_notice.html", {
        "recovery": recovery, "convention": convention, "beneficiary": convention.beneficiary,
        "funder": convention.funder, "schedule": payments.schedule(convention),
    })


def payment_request_filename(payment: PaymentRequest) -> str:
    """Return the download name of a payment request's PDF: « demande-de-versement-solde-AMP-2023-X.pdf »."""
    return pdf_filename("demande-de-versement", payment.get_kind_display().lower(), payment.convention.reference)
