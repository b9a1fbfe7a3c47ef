"""Portal pages of the deliberations app: the letter the vote sent the association, as PDF.

The application is loaded through ``campaigns.views.MemberApplicationMixin`` (another
association's application answers 404), its letter through that application only.
"""

from django.http import Http404
from django.views import View

from campaigns.views import MemberApplicationMixin
from core.pdf import pdf_response
from deliberations.letters import letter_reference, letters_pdf, letters_queryset
from deliberations.models import Letter


class LetterPdfView(MemberApplicationMixin, View):
    """Download the notification or motivated refusal letter of one of the association's applications."""

    def get(self, request, *args, **kwargs):
        letter = letters_queryset(Letter.objects.filter(application=self.application)).first()
        if letter is None:
            raise Http404("Aucune lettre n'a été émise pour cette candidature.")
        return pdf_response(letters_pdf([letter]), f"{letter_reference(letter)}-{self.application.beneficiary.short_name}")
