"""The letters a vote produces, as PDF: the notification of a subsidy without agreement, the motivated refusal.

Each letter prints what was recorded when it was issued (``deliberations.models.Letter``): the
amount, the reason, the date; the deliberation and the application say the rest. One template
prints one letter or all the letters of a deliberation (one per page), through the one renderer.
"""

from django.utils.translation import gettext as _

from compliance.checks import WRITTEN_AGREEMENT_THRESHOLD
from core.dates import french_date
from core.french import with_preposition
from core.pdf import render_pdf
from deliberations.models import Deliberation, Letter, LetterKind


def deliberation_phrase(deliberation: Deliberation) -> str:
    """Return « la délibération n° CS 001/27/BM du Bureau de la Métropole du 12 mars 2027 »."""
    return _("la délibération n°\u00a0%(number)s du %(body)s %(funder)s du %(day)s") % {
        "number": deliberation.number or "………", "body": deliberation.get_body_display(),
        "funder": with_preposition("de", deliberation.funder.short_name),
        "day": french_date(deliberation.voted_on or deliberation.session_date)}


def letters_queryset(queryset):
    """Return ``queryset`` with what a letter prints, in one query."""
    return queryset.select_related("deliberation__funder", "application__beneficiary",
                                   "application__campaign__programme", "application__deliberation_line")


def letter_context(letter: Letter) -> dict:
    application = letter.application
    at_vote = getattr(application, "deliberation_line", None) is not None
    return {
        "letter": letter, "application": application, "beneficiary": application.beneficiary,
        "campaign": application.campaign, "funder": letter.deliberation.funder,
        "deliberation": letter.deliberation, "deliberation_phrase": deliberation_phrase(letter.deliberation),
        "is_notification": letter.kind == LetterKind.NOTIFICATION, "refused_at_vote": at_vote,
        "reference": letter_reference(letter), "threshold": WRITTEN_AGREEMENT_THRESHOLD,
    }


def letter_reference(letter: Letter) -> str:
    """Return the letter's number as printed: « LN-2027-0012 » (notification) or « LR-2027-0013 » (refusal)."""
    prefix = "LN" if letter.kind == LetterKind.NOTIFICATION else "LR"
    return f"{prefix}-{letter.issued_on.year}-{letter.pk:04d}"


def letters_pdf(letters) -> bytes:
    """Return the PDF of ``letters`` (loaded with ``letters_queryset``), one per page."""
    return render_pdf("deliberations/pdf/letters.html", {"letters": [letter_context(letter) for letter in letters]})
