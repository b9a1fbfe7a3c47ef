"""Tenant isolation cases of the agreement's page (dossier) and of the letters of the vote
(deliberations/portal_urls.py); see tests/portal_cases.py."""

from datetime import date
from decimal import Decimal

from deliberations.models import Letter, LetterKind
from tests.factories import ApplicationFactory, DeliberationFactory
from tests.portal_cases import isolation_case


@isolation_case("portal_conventions:detail")
def _detail(convention):
    return {"convention_pk": convention.pk}


@isolation_case("portal_deliberations:letter_pdf")
def _letter_pdf(convention):
    application = ApplicationFactory(beneficiary=convention.beneficiary)
    Letter.objects.create(kind=LetterKind.NOTIFICATION, application=application, deliberation=DeliberationFactory(),
                          amount=Decimal("8000"), issued_on=date(2027, 3, 20))
    return {"pk": application.pk}
