"""The association's whole year in a real browser, as a volunteer treasurer would go through it.

Invitation → password → forecast budget refused while unbalanced, then submitted → indicators
submitted → a document uploaded → the advance requested → its PDF downloaded.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from beneficiaries.models import MemberRole
from beneficiaries.services import invitation_create
from budgets.models import Budget, BudgetKind, BudgetStatus
from conventions.models import Status
from documents.models import Document, DocumentKind, DocumentStatus
from finance.models import PaymentRequest
from indicators.models import ReportStatus
from indicators.services import DefinitionInput, indicator_report_open, indicator_set_upsert
from tests.factories import BeneficiaryFactory, ConventionFactory, balanced_forecast
from tests.samples import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_association_goes_through_its_year(page, live_server, tmp_path, assert_accessible):
    beneficiary = BeneficiaryFactory(name="Les Amis du Canal", email="contact@amis.invalid")
    next_year = ConventionFactory(beneficiary=beneficiary, fiscal_year=2026, reference="AMP-2026-CANAL",
                                  amount_granted=Decimal("800"), status=Status.DRAFT)
    current = ConventionFactory(beneficiary=beneficiary, fiscal_year=2025, reference="AMP-2025-CANAL",
                                amount_granted=Decimal("30000"), status=Status.ACTIVE)
    balanced_forecast(current, charges=Decimal("96000"))
    indicator_set = indicator_set_upsert(name="Indicateurs communs", structure_type="Associations", year=2025,
                                         definitions=[DefinitionInput("participants", "Participants aux ateliers")])
    indicator_report_open(convention=current, indicator_set=indicator_set)
    Document.objects.create(convention=current, kind=DocumentKind.INSURANCE)
    invitation_create(beneficiary=beneficiary, email="tresoriere@amis.invalid", role=MemberRole.TREASURER,
                      site_url=live_server.url)
    link = re.search(r"(http://\S+/portail/invitation/\S+/)", mail.outbox[-1].body).group(1)

    # Invitation: the one-time link sets the password and opens the portal.
    page.goto(link)
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Nom", exact=True).fill("MOREAU")
    page.get_by_label("Mot de passe", exact=True).fill("Berges-du-canal-2026")
    page.get_by_label("Confirmation du mot de passe").fill("Berges-du-canal-2026")
    page.get_by_role("button", name=re.compile("Créer mon compte")).click()
    assert "Bienvenue !" in page.get_by_role("status").inner_text()

    # Forecast budget of next year's agreement: refused while unbalanced, the gap is said.
    page.goto(f"{live_server.url}/portail/budgets/{next_year.pk}/previsionnel/")
    assert_accessible(page)
    page.get_by_label("Montant — 641 Rémunération des personnels").fill("1 000,00")
    page.get_by_label("Montant — 756 Cotisations").fill("200")
    page.get_by_role("button", name="Déposer le budget").click()
    assert "les charges dépassent les produits de 800" in page.content().replace("\u202f", " ").replace("\u00a0", " ")
    assert Budget.objects.get(convention=next_year, kind=BudgetKind.FORECAST).status == BudgetStatus.DRAFT
    page.get_by_label("Montant — 756 Cotisations").fill("200")
    page.get_by_label(re.compile("Montant — 744")).first.fill("800")
    page.get_by_role("button", name="Déposer le budget").click()
    assert "Vous ne pourrez plus le modifier" in page.content()  # the confirmation page says what will happen
    assert Budget.objects.get(convention=next_year, kind=BudgetKind.FORECAST).status == BudgetStatus.DRAFT
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer le dépôt").click()
    page.wait_for_load_state()
    assert Budget.objects.get(convention=next_year, kind=BudgetKind.FORECAST).status == BudgetStatus.SUBMITTED

    # Indicators of the current year.
    page.goto(f"{live_server.url}/portail/indicateurs/conventions/{current.pk}/2025/")
    assert_accessible(page)
    page.locator("#id_participants__total").fill("42")
    page.get_by_role("button", name=re.compile("Transmettre")).click()
    page.get_by_role("button", name="Confirmer la transmission").click()
    page.wait_for_load_state()
    assert current.indicator_reports.get(year=2025).status == ReportStatus.SUBMITTED

    # A document, checked by its content.
    certificate = tmp_path / "attestation-assurance.pdf"
    certificate.write_bytes(pdf_bytes())
    page.goto(f"{live_server.url}/portail/conventions/{current.pk}/justificatifs/")
    page.get_by_label(re.compile("Fichier pour « Attestation d'assurance »")).set_input_files(str(certificate))
    page.get_by_role("button", name="Déposer le fichier").first.click()
    page.wait_for_load_state()
    assert Document.objects.get(convention=current, kind=DocumentKind.INSURANCE).status == DocumentStatus.RECEIVED

    # The advance: its amount is computed, the request certified, its PDF downloaded.
    page.goto(f"{live_server.url}/portail/conventions/{current.pk}/versements/")
    assert_accessible(page)
    text = page.locator("main").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "24 000 €" in text, text
    page.get_by_label("Nom et prénom du signataire").first.fill("Claire MOREAU")
    page.get_by_label("Qualité").first.fill("Trésorière")
    page.get_by_label(re.compile("Je certifie")).first.check()
    page.get_by_role("button", name=re.compile("Déposer la demande d'acompte")).click()
    assert "Vous allez demander l'acompte" in page.content()
    page.get_by_role("button", name="Confirmer la demande").click()
    assert "Votre demande a été déposée" in page.content()
    assert_accessible(page)
    assert PaymentRequest.objects.get(convention=current).amount == Decimal("24000.00")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le PDF")).click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
