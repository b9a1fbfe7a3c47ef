"""Tenant isolation cases of the association's permanent papers (documents/portal_urls.py); see
tests/portal_cases.py. The page itself takes no identifier: it shows the member's own association."""

from datetime import date

from documents.vault_services import vault_paper_upload
from tests.factories import UserFactory
from tests.portal_cases import isolation_case
from tests.samples import pdf_bytes, upload


@isolation_case("portal_vault:file")
def _vault_file(convention):
    paper = vault_paper_upload(beneficiary=convention.beneficiary, kind="statutes",
                               uploaded=upload("statuts.pdf", pdf_bytes()), valid_from=date(2020, 5, 1),
                               by=UserFactory())
    return {"pk": paper.pk}
