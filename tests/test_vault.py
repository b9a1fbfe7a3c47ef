"""The association's vault of permanent papers (issue 17, item 8): one paper given once satisfies
every agreement and application while valid, and is asked again once it expires."""

from datetime import date, timedelta
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns.rules import application_document_slots
from compliance.checks import convention_checks
from conventions.models import Status
from core.roles import AGENT
from documents.models import DocumentKind, DocumentStatus, VaultPaper
from documents.services import document_upload, documents_expect
from documents.vault import exclude_vault_covered, is_valid_on, paper_in_force
from documents.vault_services import vault_paper_accept, vault_paper_upload
from dossier.requirements import _documents_before_signature
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    ConventionFactory,
    MembershipFactory,
    staff_user,
)
from tests.samples import image_bytes, pdf_bytes, upload
from tests.test_csp import assert_csp_clean

TODAY = timezone.localdate()


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def association(db):
    return BeneficiaryFactory(name="Les Amis du Canal", email="contact@amis-du-canal.invalid")


@pytest.fixture
def member(association):
    return MembershipFactory(beneficiary=association).user


def give(association, kind, by, *, valid_from=date(2024, 1, 15), valid_until=None, content=None, name="piece.pdf"):
    return vault_paper_upload(beneficiary=association, kind=kind, uploaded=upload(name, content or pdf_bytes()),
                              valid_from=valid_from, valid_until=valid_until, by=by)


def voted(association, reference):
    return ConventionFactory(beneficiary=association, reference=reference, status=Status.VOTED,
                             deliberation_date=date(2025, 3, 20))


def test_validity_on_a_date_statutes_until_replaced_board_list_for_a_year(association, member):
    statutes = give(association, DocumentKind.STATUTES, member, valid_from=date(2019, 6, 1))
    board = give(association, DocumentKind.BOARD_LIST, member, valid_from=date(2025, 6, 1))
    assert statutes.valid_until is None  # « valable tant que non remplacé »
    assert board.valid_until == date(2026, 6, 1)  # the board changes at the general assembly
    assert paper_in_force(association.pk, DocumentKind.STATUTES, on=date(2030, 1, 1)) == statutes
    assert paper_in_force(association.pk, DocumentKind.STATUTES, on=date(2019, 5, 31)) is None  # not yet
    assert paper_in_force(association.pk, DocumentKind.BOARD_LIST, on=date(2026, 6, 1)) == board
    assert paper_in_force(association.pk, DocumentKind.BOARD_LIST, on=date(2026, 6, 2)) is None  # expired
    assert not is_valid_on(board, date(2026, 6, 2))
    # A new version replaces the previous one from its own date on; the old one stays in the history.
    new = give(association, DocumentKind.STATUTES, member, valid_from=date(2025, 9, 1))
    assert paper_in_force(association.pk, DocumentKind.STATUTES, on=date(2025, 8, 31)) == statutes
    assert paper_in_force(association.pk, DocumentKind.STATUTES, on=date(2025, 9, 1)) == new
    assert VaultPaper.objects.filter(beneficiary=association, kind=DocumentKind.STATUTES).count() == 2


def test_a_refused_version_is_not_in_force_and_another_association_s_paper_never_counts(association, member):
    paper = give(association, DocumentKind.BANK_DETAILS, member)
    paper.status = DocumentStatus.REJECTED
    paper.save()
    give(BeneficiaryFactory(), DocumentKind.BANK_DETAILS, member)
    assert paper_in_force(association.pk, DocumentKind.BANK_DETAILS, on=TODAY) is None


def test_one_paper_serves_two_agreements_and_an_application_and_is_not_asked_again(client, association, member):
    give(association, DocumentKind.STATUTES, member)
    give(association, DocumentKind.BANK_DETAILS, member, valid_from=date(2024, 2, 1))
    first, second = voted(association, "AMP-2025-COF-1"), voted(association, "AMP-2025-COF-2")
    for convention in (first, second):
        documents_expect(convention=convention)
        kinds = set(convention.documents.values_list("kind", flat=True))
        assert DocumentKind.STATUTES not in kinds and DocumentKind.BANK_DETAILS not in kinds
        assert DocumentKind.INSURANCE in kinds  # not a permanent paper: asked as before
    client.force_login(member)
    page = text(client.get(reverse("portal_conventions:documents", args=[second.pk])))
    assert page.count("(coffre-fort), valable tant que non remplacé") == 2
    home = text(client.get(reverse("portal:home")))
    assert "Attestation d'assurance" in home  # still owed, on the « À faire » list
    assert "Statuts" not in home and "Relevé d'identité bancaire" not in home
    application = ApplicationFactory(beneficiary=association)
    slots = {slot.kind: slot for slot in application_document_slots(application, today=TODAY)}
    assert slots["statutes"].is_met and slots["statutes"].on_file.where == "coffre-fort de l'association"
    assert slots["bank_details"].is_met and not slots["board_list"].is_met


def test_a_document_asked_before_the_vault_held_the_paper_is_satisfied_by_it(client, association, member):
    convention = voted(association, "AMP-2025-COF-3")
    documents_expect(convention=convention)
    assert convention.documents.filter(kind=DocumentKind.REPUBLICAN_COMMITMENT, status=DocumentStatus.EXPECTED).exists()
    assert "Contrat d'engagement républicain signé" in _documents_before_signature(convention)
    give(association, DocumentKind.REPUBLICAN_COMMITMENT, member, valid_from=date(2025, 1, 10))
    assert _documents_before_signature(convention) is None  # received in the vault: the signature may go on
    client.force_login(member)
    page = text(client.get(reverse("portal_conventions:documents", args=[convention.pk])))
    assert "Fourni le " in page and "(coffre-fort), valable tant que non remplacé ; le service instructeur l'examine" in page
    assert "Contrat d'engagement républicain signé" not in text(client.get(reverse("portal:home")))


def test_expiry_brings_the_request_back(association, member):
    give(association, DocumentKind.BOARD_LIST, member, valid_from=TODAY - timedelta(days=400))  # expired
    convention = voted(association, "AMP-2025-COF-4")
    documents_expect(convention=convention)
    assert convention.documents.filter(kind=DocumentKind.BOARD_LIST, status=DocumentStatus.EXPECTED).exists()
    owed = convention.documents.filter(kind=DocumentKind.BOARD_LIST)
    assert exclude_vault_covered(owed, on=TODAY).count() == 1  # the reminders' and « À faire »'s rule agrees
    # A new version valid today: no longer asked; the document already created reads it.
    give(association, DocumentKind.BOARD_LIST, member, valid_from=TODAY - timedelta(days=3))
    assert exclude_vault_covered(owed, on=TODAY).count() == 0
    assert exclude_vault_covered(owed, on=TODAY + timedelta(days=366)).count() == 1  # expired again in a year
    other = voted(association, "AMP-2025-COF-5")
    documents_expect(convention=other)
    assert not other.documents.filter(kind=DocumentKind.BOARD_LIST).exists()


def test_the_compliance_check_reads_the_vault(association, member):
    agent = staff_user("agent-coffre", AGENT)
    convention = ConventionFactory(beneficiary=association, status=Status.ACTIVE, deliberation_date=date(2025, 3, 20),
                                   beneficiary_signed_on=date(2025, 4, 1), funder_signed_on=date(2025, 4, 2))
    paper = give(association, DocumentKind.REPUBLICAN_COMMITMENT, member, valid_from=date(2025, 1, 10))
    check = next(c for c in convention_checks(convention, today=TODAY) if c.code == "republican_commitment")
    assert check.detail.startswith("Reçu, à valider.")
    vault_paper_accept(paper=paper, by=agent)
    check = next(c for c in convention_checks(convention, today=TODAY) if c.code == "republican_commitment")
    assert check.state == "ok" and "coffre-fort de l'association" in check.detail


def test_portal_page_lists_validity_keeps_history_and_refuses_bad_dates_in_french(client, association, member):
    client.force_login(member)
    url = reverse("portal_vault:list")
    page = text(client.get(url))
    assert page.count("Aucune pièce valable") == 4
    for valid_from in ("2023-05-01", "2025-05-01"):
        response = client.post(url, {"kind": "statutes", "statutes-file": upload("statuts.pdf", pdf_bytes()),
                                     "statutes-valid_from": valid_from})
        assert response.status_code == 302
    page = text(client.get(url))
    assert "Versions déposées (2)" in page and "en vigueur depuis le 1er mai 2025" in page
    assert "valable tant que non remplacé" in page
    response = client.post(url, {"kind": "republican_commitment", "republican_commitment-valid_from": "2021-06-01",
                                 "republican_commitment-file": upload("cer.pdf", pdf_bytes())})
    assert response.status_code == 200
    assert "Le contrat d'engagement républicain existe depuis le 2 janvier 2022" in text(response)
    response = client.post(url, {"kind": "board_list", "board_list-valid_from": "2025-05-01",
                                 "board_list-valid_until": "2025-01-01",
                                 "board_list-file": upload("bureau.pdf", pdf_bytes())})
    assert "La fin de validité ne peut pas précéder le début" in text(response)
    assert not VaultPaper.objects.filter(kind__in=["republican_commitment", "board_list"]).exists()


def test_another_association_sees_none_of_the_papers(client, association, member):
    give(association, DocumentKind.STATUTES, member)
    outsider = MembershipFactory(beneficiary=BeneficiaryFactory()).user
    client.force_login(outsider)
    page = text(client.get(reverse("portal_vault:list")))
    assert page.count("Aucune pièce valable") == 4 and "Versions déposées" not in page


@pytest.fixture
def agent_client(client, db):
    agent = staff_user("agent-coffre", AGENT)
    client.force_login(agent)
    return client, agent


def test_staff_preview_shows_the_file_in_the_page(agent_client, association, member):
    client, _agent = agent_client
    pdf = give(association, DocumentKind.STATUTES, member)
    png = give(association, DocumentKind.BANK_DETAILS, member, content=image_bytes("PNG"), name="rib.png")
    page = client.get(reverse("admin:documents_vaultpaper_change", args=[pdf.pk])).content.decode()
    preview = reverse("admin:documents_vaultpaper_preview", args=[pdf.pk])
    assert f'<iframe class="document-preview-frame" src="{preview}"' in page
    response = client.get(preview)
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf" and response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    page = client.get(reverse("admin:documents_vaultpaper_change", args=[png.pk])).content.decode()
    assert f'<img class="document-preview-image" src="{reverse("admin:documents_vaultpaper_preview", args=[png.pk])}"' in page
    download = client.get(reverse("admin:documents_vaultpaper_file", args=[pdf.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    client.logout()
    assert client.get(preview).status_code == 302  # to the login page


def test_bulk_accept_confirms_refuses_with_the_reason_audits_and_emails(agent_client, association, member,
                                                                        django_capture_on_commit_callbacks):
    client, agent = agent_client
    good = give(association, DocumentKind.STATUTES, member)
    own = give(association, DocumentKind.BANK_DETAILS, agent)  # the agent gave it: someone else accepts it
    their = BeneficiaryFactory(name="Le Club de l'agent")
    MembershipFactory(beneficiary=their, user=agent)
    member_of = give(their, DocumentKind.STATUTES, member)
    selected = {"action": "accept_selected", "_selected_action": [good.pk, own.pk, member_of.pk]}
    url = reverse("admin:documents_vaultpaper_changelist")
    confirmation = text(client.post(url, selected))
    assert "1 document(s) à accepter sur 3 sélectionné(s)" in confirmation
    assert "Vous avez vous-même déposé ce document permanent" in confirmation
    assert "Vous êtes membre de l'association « Le Club de l'agent »" in confirmation
    assert VaultPaper.objects.filter(status=DocumentStatus.ACCEPTED).count() == 0  # nothing before confirming
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**selected, "post": "yes"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "1 document(s) accepté(s) ; 2 non accepté(s)." in messages
    for paper, status in ((good, "accepted"), (own, "received"), (member_of, "received")):
        paper.refresh_from_db()
        assert paper.status == status
    last = good.history.first()
    assert (last.history_user, last.history_change_reason) == (agent, "Accepté")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to[0] == "contact@amis-du-canal.invalid"
    assert "a accepté la pièce « Statuts »" in mail.outbox[0].body
    assert "tant qu'elle n'est pas remplacée" in mail.outbox[0].body


def test_document_admin_bulk_action_asks_for_confirmation_too(agent_client, association, member):
    client, _agent = agent_client
    convention = voted(association, "AMP-2025-COF-6")
    documents_expect(convention=convention)
    document = convention.documents.get(kind=DocumentKind.INSURANCE)
    document_upload(document=document, uploaded=upload("assurance.pdf", pdf_bytes()), by=member)
    url = reverse("admin:documents_document_changelist")
    page = text(client.post(url, {"action": "accept_selected", "_selected_action": [document.pk]}))
    assert "Sera accepté" in page and "Oui, accepter 1 document(s)" in page
    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED


def test_the_vault_page_needs_no_inline_code(client, association, member):
    give(association, DocumentKind.STATUTES, member)
    client.force_login(member)
    url = reverse("portal_vault:list")
    assert_csp_clean(client.get(url), url)
