"""Tenant isolation cases of the application pages (campaigns/portal_urls.py); see tests/portal_cases.py.

The list of campaigns and the new application page take no identifier of an association's data
(campaigns are public: ``?campagne=<id>``); the new application is made for the member's own
association only (tests/test_campaign_portal.py).
"""

from django.core.files.base import ContentFile
from django.utils import timezone

from campaigns.models import ApplicationDocument, ApplicationVersion, VersionKind
from tests.factories import ApplicationFactory, BudgetLineFactory, UserFactory
from tests.portal_cases import isolation_case
from tests.samples import pdf_bytes


def _application(convention):
    application = ApplicationFactory(beneficiary=convention.beneficiary)
    BudgetLineFactory(budget=application.budget, code="641", label="Salaires")
    return application


def _kwargs(convention):
    return {"pk": _application(convention).pk}


for _name in ("application", "edit", "budget", "submit", "documents"):
    isolation_case(f"portal_campaigns:{_name}")(_kwargs)


@isolation_case("portal_campaigns:version")
def _version(convention):
    application = _application(convention)
    ApplicationVersion.objects.create(application=application, number=1, kind=VersionKind.SUBMISSION,
                                      snapshot={"action_title": application.action_title}, by=UserFactory())
    return {"pk": application.pk, "number": 1}


@isolation_case("portal_campaigns:document_file")
def _document_file(convention):
    application = _application(convention)
    document = ApplicationDocument(application=application, kind="statutes", uploaded_at=timezone.now(),
                                   uploaded_by=UserFactory())
    document.file.save("statuts.pdf", ContentFile(pdf_bytes()), save=True)
    return {"pk": application.pk, "document_pk": document.pk}
