"""The amendment (avenant, art. 9) as a PDF: the parties, what changes, the signatures."""

from django.utils import translation
from django.utils.translation import gettext as _

from conventions.amounts import amendment_amounts
from conventions.deliberation import deliberation_text
from conventions.models import Amendment, AmendmentStatus, Convention
from core.dates import french_date
from core.french import with_preposition
from core.money import format_euros
from core.pdf import render_pdf
from dossier.printing.agreement import DRAFT_MARK, logo_uri_of, signature_block

TEMPLATE = "conventions/pdf/amendment.html"


def amendment_pdf_missing(amendment: Amendment, *, final: bool = False) -> list[str]:
    """Return, in French, what the amendment lacks for its PDF (empty when it can be printed)."""
    _before, after = amendment_amounts(amendment)
    missing = []
    if not amendment.subject.strip():
        missing.append(_("L'objet de l'avenant n'est pas renseigné."))
    if not amendment.text.strip():
        missing.append(_("Le texte des modifications n'est pas saisi."))
    if after is None:
        missing.append(_("Le montant attribué par la convention n'est pas renseigné."))
    elif after < 0:
        missing.append(_("La baisse du montant dépasse le montant attribué."))
    if final:
        if not amendment.beneficiary_signed_on:
            missing.append(_("La date de signature par l'association n'est pas renseignée."))
        if not amendment.funder_signed_on:
            missing.append(_("La date de signature par la collectivité n'est pas renseignée."))
    return missing


def amendment_pdf_context(amendment: Amendment, *, final: bool = False) -> dict:
    convention = amendment.convention
    funder = convention.funder
    signatures = signature_block(convention)
    signatures["sides"][0]["date"] = french_date(amendment.beneficiary_signed_on)
    signatures["sides"][1]["date"] = french_date(amendment.funder_signed_on)
    changes_amount = bool(amendment.amount_change)
    before, after = amendment_amounts(amendment)  # the amount in force before it, and once it applies
    return {
        "amendment": amendment,
        "convention": convention,
        "funder": funder,
        "beneficiary": convention.beneficiary,
        "mark": "" if final or amendment.status == AmendmentStatus.SIGNED else DRAFT_MARK,
        "logo_uri": logo_uri_of(funder),
        "deliberation": deliberation_text(convention),
        "funder_of": with_preposition("de", funder.short_name),
        "signed_on": french_date(max(filter(None, [convention.beneficiary_signed_on, convention.funder_signed_on]),
                                     default=None)),
        "changes_amount": changes_amount,
        "granted_amount": format_euros(convention.amount_granted),  # what the agreement itself granted
        "old_amount": format_euros(before),
        "new_amount": format_euros(after),
        "amount_change": format_euros(abs(amendment.amount_change)),
        "increase": amendment.amount_change > 0,
        "new_period_end": french_date(amendment.new_period_end),
        "signatures": signatures,
    }


def amendment_pdf_render(amendment: Amendment, *, final: bool = False) -> bytes:
    """Render the amendment's PDF from current data."""
    amendment = Amendment.objects.select_related("convention__funder", "convention__beneficiary").get(pk=amendment.pk)
    with translation.override("fr"):
        return render_pdf(TEMPLATE, amendment_pdf_context(amendment, final=final))


def amendments_for_portal(convention: Convention):
    """Return the signed amendments of ``convention`` whose PDF is stored."""
    return convention.amendments.filter(status=AmendmentStatus.SIGNED).exclude(signed_pdf="").order_by("number")
