"""The yearly cycle in a real browser, from two applications to a signed agreement (issue 16).

Only the starting world is made with factories and services: a funder, a programme, an open
campaign with its envelope, two associations with a member each, an instructing agent and a
validator. Everything else goes through the pages, as the users would:

1. each association applies on the portal (action, balanced budget, amount, attachments) and
   submits with the confirmation; one is asked for corrections, amends and submits again;
2. the agent, in the admin, assigns both, reads the checks (the 23 000 € cumulated per year),
   records a favourable opinion and a proposed amount with its reason;
3. the agent prepares the deliberation (placeholder number), inscribes the proposals, downloads
   the annex PDF and XLSX (rows and totals read back), gives the real number, votes once for all,
   records the transmission to the préfecture and its receipt;
4. the vote drew an agreement in draft (cumulated above 23 000 €) and a notification letter (under
   it); the agreement goes through the lifecycle to « signée »;
5. each association sees its outcome on the portal.

``JOURNEY_SHOTS=1`` saves screenshots of the key moments to /tmp/journey-shots/.
"""

import io
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from beneficiaries.models import MemberRole
from campaigns.models import Application, ApplicationStatus
from campaigns.rules import APPLICATION_DOCUMENTS
from conventions.clauses.services import clause_template_install
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Convention, Status
from core.roles import AGENT
from deliberations.models import Deliberation, DeliberationStatus, Letter, LetterKind
from documents.models import DocumentKind
from tests.factories import (
    BeneficiaryFactory,
    CampaignFactory,
    ConventionFactory,
    FunderFactory,
    MembershipFactory,
    ProgrammeFactory,
    UserFactory,
    staff_user,
)
from tests.samples import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("JOURNEY_SHOTS_DIR", "/tmp/journey-shots"))  # noqa: S108 - screenshots to look at, not secrets
NBSP = str.maketrans({"\u202f": " ", "\u00a0": " "})


def text_of(page, selector="main") -> str:
    """Return what the page shows in ``selector``, French spaces made plain."""
    return page.locator(selector).first.inner_text().translate(NBSP)


def shot(page, name: str) -> None:
    if os.environ.get("JOURNEY_SHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def admin_login(page, live_server, user, password="motdepasse-solide-42"):  # noqa: S107 - factories
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/admin/login/" not in page.url, "admin login failed"


def portal_as(page, live_server, portal_login, user):
    """Log in on the portal as ``user``, whoever was logged in before."""
    page.context.clear_cookies()
    portal_login(page, live_server, user)


def messages_shown(page) -> str:
    return " ".join(page.locator(".messagelist li, .messages li, [role=status]").all_inner_texts()).translate(NBSP)


class World:
    """The starting world: who is there, what is open."""

    def __init__(self):
        today = timezone.localdate()
        self.today = today
        self.funder = FunderFactory()
        clause_template_install(funder=self.funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)  # published
        self.programme = ProgrammeFactory(funder=self.funder, name="Cohésion sociale et politique de la ville")
        self.year = today.year + 1
        self.campaign = CampaignFactory(programme=self.programme, year=self.year,
                                        title=f"Appel à projets cohésion sociale {self.year}",
                                        opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=30),
                                        envelope=Decimal("100000.00"))
        # Les Jardins already have a subsidy of 5 000 € for the same year (another programme) and had
        # 18 000 € the year before: 20 000 € more makes 25 000 €, above 23 000 €: an agreement is owed.
        self.jardins = BeneficiaryFactory(name="Les Jardins du Lac", acronym="JDL", email="contact@jardins.invalid")
        self.musique = BeneficiaryFactory(name="Quartiers en Musique", acronym="QEM", email="contact@qem.invalid")
        ConventionFactory(beneficiary=self.jardins, funder=self.funder, reference=f"AMP-{self.year}-FETE-JDL",
                          fiscal_year=self.year, amount_granted=Decimal("5000.00"), status=Status.ACTIVE,
                          period_start=date(self.year, 1, 1),
                          period_end=date(self.year, 12, 31))
        ConventionFactory(beneficiary=self.jardins, funder=self.funder, reference=f"AMP-{self.year - 1}-CSPV-JDL",
                          fiscal_year=self.year - 1, amount_granted=Decimal("18000.00"), status=Status.CLOSED,
                          period_start=date(self.year - 1, 1, 1),
                          period_end=date(self.year - 1, 12, 31))
        self.jardins_member = MembershipFactory(
            beneficiary=self.jardins, role=MemberRole.PRESIDENT,
            user=UserFactory(username="presidente.jardins", first_name="Inès", last_name="BERNARD")).user
        self.musique_member = MembershipFactory(
            beneficiary=self.musique, role=MemberRole.TREASURER,
            user=UserFactory(username="tresorier.qem", first_name="Karim", last_name="HADDAD")).user
        self.agent = staff_user("agent.instructeur", AGENT)
        self.agent.first_name, self.agent.last_name = "Sophie", "MARTIN"
        self.agent.save()
        self.validator = staff_user("responsable.service", AGENT)
        self.validator.first_name, self.validator.last_name = "Paul", "ROCHE"
        self.validator.save()


def apply_on_the_portal(page, live_server, portal_login, assert_accessible, world, *, member, action, amount, lines,
                        tmp_path):
    """A member applies to the open campaign through the portal pages; returns the application."""
    portal_as(page, live_server, portal_login, member)
    page.goto(f"{live_server.url}/portail/candidatures/")
    assert world.campaign.title in text_of(page)
    page.get_by_role("link", name=re.compile(f"Déposer une candidature.*{re.escape(world.campaign.title)}")).click()
    page.get_by_label("Intitulé de l'action").fill(action)
    page.get_by_label("Objectifs de l'action").fill("Accueillir les habitants chaque semaine.\nFormer dix bénévoles.")
    page.get_by_label("Début de l'action").fill(f"{world.year}-01-01")
    page.get_by_label("Fin de l'action").fill(f"{world.year}-12-31")
    page.get_by_label("Public visé").fill("Habitants du quartier, 120 personnes")
    page.get_by_label("Lieu de l'action").fill("Marseille 13e")
    page.get_by_label("Montant demandé (€)").fill(amount)
    page.get_by_role("button", name="Enregistrer le brouillon et saisir le budget").click()
    page.wait_for_load_state()
    assert "Votre candidature est enregistrée en brouillon" in text_of(page, "body")
    application = Application.objects.get(action_title=action)

    # The action's budget: balanced (charges = produits), the funder's line carrying the amount requested.
    for label, value in lines:
        page.get_by_label(re.compile(f"Montant — {label}")).first.fill(value)
    page.get_by_label(re.compile("Subvention demandée par cette candidature — 744")).first.check()  # the Métropole's line
    page.get_by_role("button", name="Enregistrer le budget").click()
    page.wait_for_load_state()
    assert "Budget de l'action enregistré." in text_of(page, "body")

    # The attachments: one small valid PDF per document asked.
    page.get_by_role("link", name="Joindre les pièces").click()
    document = tmp_path / "piece.pdf"
    document.write_bytes(pdf_bytes())
    for kind in APPLICATION_DOCUMENTS:
        page.get_by_label("Pièce", exact=True).select_option(str(kind))
        page.get_by_label("Fichier à joindre").set_input_files(str(document))
        page.get_by_role("button", name="Joindre", exact=True).click()
        page.wait_for_load_state()
        assert "La pièce est jointe à la candidature." in text_of(page, "body")
    assert "À joindre" not in text_of(page)

    # The confirmation, then the submission.
    page.goto(f"{live_server.url}/portail/candidatures/{application.pk}/")
    page.get_by_role("link", name="Vérifier et déposer").click()
    assert_accessible(page, "confirmation du dépôt")
    recap = text_of(page)
    assert f"{amount} €" in recap, recap
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT  # nothing changed yet
    return application


def test_the_yearly_cycle_from_applications_to_a_signed_agreement(page, live_server, portal_login, tmp_path,
                                                                   assert_accessible):
    world = World()

    # --- 1. Two associations apply on the portal ------------------------------------------------
    jardins = apply_on_the_portal(page, live_server, portal_login, assert_accessible, world, member=world.jardins_member,
                                  action="Jardin partagé des Lauriers", amount="20 000", tmp_path=tmp_path,
                                  lines=[("641", "25 000"), ("604", "15 000"), ("744", "20 000"),
                                         ("756", "20 000")])
    shot(page, "1-confirmation-depot")
    page.get_by_role("button", name="Je confirme le dépôt").click()
    page.wait_for_load_state()
    assert "Votre candidature est déposée." in text_of(page, "body")
    assert "Déposée" in text_of(page)
    assert Application.objects.get(pk=jardins.pk).status == ApplicationStatus.SUBMITTED

    musique = apply_on_the_portal(page, live_server, portal_login, assert_accessible, world, member=world.musique_member,
                                  action="Orchestre des quartiers nord", amount="12 000", tmp_path=tmp_path,
                                  lines=[("641", "20 000"), ("744", "12 000"), ("756", "8 000")])
    page.get_by_role("button", name="Je confirme le dépôt").click()
    page.wait_for_load_state()
    assert "Votre candidature est déposée." in text_of(page, "body")
    assert Application.objects.get(pk=musique.pk).status == ApplicationStatus.SUBMITTED

    # --- The agent asks Quartiers en Musique for a correction; it amends and submits again ---------
    admin_login(page, live_server, world.agent)
    page.goto(f"{live_server.url}/admin/campaigns/application/{musique.pk}/change/")
    assert "Instruction — état : déposée" in text_of(page, "#content")
    page.get_by_label("Ce que l'association doit compléter").fill(
        "Précisez le nombre de concerts prévus et les quartiers concernés.")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_load_state()
    assert "La demande de compléments est envoyée à l'association." in messages_shown(page)
    assert "état : à compléter" in text_of(page, "#content")

    portal_as(page, live_server, portal_login, world.musique_member)
    page.goto(f"{live_server.url}/portail/candidatures/{musique.pk}/")
    detail = text_of(page)
    assert "Le service instructeur demande des compléments" in detail and "nombre de concerts" in detail
    page.get_by_role("link", name="Modifier l'action et le montant").click()
    page.get_by_label("Objectifs de l'action").fill("Douze concerts à Saint-Louis, La Viste et Saint-Antoine.\n"
                                                    "Former dix bénévoles.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state()
    assert "Candidature enregistrée." in text_of(page, "body")
    page.get_by_role("link", name="Déposer de nouveau").click()
    page.get_by_label("Votre réponse au service instructeur").fill("Douze concerts, trois quartiers : c'est précisé.")
    page.get_by_role("button", name="Je confirme le dépôt").click()
    page.wait_for_load_state()
    assert "Votre candidature est déposée." in text_of(page, "body")
    assert "Demande de compléments du" in text_of(page) and "c'est précisé" in text_of(page)
    assert musique.versions.count() == 3  # submission, request for changes, submission

    # --- 2. The agent instructs both: assignment, checks, opinion and proposed amount -------------
    admin_login(page, live_server, world.agent)
    proposals = {jardins.pk: ("20 000", "Action structurante pour le quartier, budget réaliste."),
                 musique.pk: ("10 000", "Action utile ; montant ajusté au nombre de concerts.")}
    for application in (jardins, musique):
        page.goto(f"{live_server.url}/admin/campaigns/application/{application.pk}/change/")
        page.get_by_label("Agent instructeur").select_option(str(world.agent.pk))
        page.get_by_role("button", name="Attribuer").click()
        page.wait_for_load_state()
        assert "La candidature est attribuée à l'agent instructeur." in messages_shown(page)
        summary = text_of(page, "#content")
        assert "état : en instruction · agent : Sophie MARTIN" in summary, summary
        if application == jardins:
            # 20 000 € asked, 5 000 € already granted for the year: 25 000 € cumulated, an agreement is owed.
            assert ("Convention obligatoire : 25 000 € cumulés sur l'année (cette demande 20 000 €, "
                    "autres subventions 5 000 €).") in summary, summary
            assert "Forte hausse : 25 000 € cette année contre 18 000 €" in summary
            shot(page, "2-instruction-controles")
        else:
            assert "12 000 € cumulés sur l'année : pas plus de 23 000 €, une lettre de notification suffit." in summary
        amount, reason = proposals[application.pk]
        page.get_by_label("Avis").select_option("favorable")
        page.get_by_label("Montant proposé (€)").fill(amount)
        page.get_by_label("Motivation").fill(reason)
        page.get_by_role("button", name="Enregistrer la proposition").click()
        page.wait_for_load_state()
        assert "La proposition est enregistrée." in messages_shown(page)
        summary = text_of(page, "#content")
        assert re.search(rf"Montant proposé\s+{amount} € \(avis favorable\)", summary), summary
        assert "état : proposée" in summary
    assert "reste 70 000 €" in text_of(page, "#content")  # 100 000 € − 20 000 € − 10 000 €

    # --- 3. The deliberation: prepared, annex read back, numbered, voted, sent, received ------------
    page.goto(f"{live_server.url}/admin/deliberations/deliberation/add/")
    page.get_by_label("Collectivité").select_option(str(world.funder.pk))
    page.get_by_label("Instance").select_option("bureau")
    page.get_by_label("Date de la séance").fill(world.today.strftime("%d/%m/%Y"))
    page.get_by_label("Numéro").fill(f"{world.today.year}/....")
    page.get_by_label("Objet").fill(f"Attribution de subventions aux associations — cohésion sociale {world.year}")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    page.wait_for_load_state()
    deliberation = Deliberation.objects.get()
    assert "en préparation" in text_of(page, "#content")
    page.get_by_role("link", name="Ajouter les candidatures proposées").click()
    page.get_by_label("Campagne").select_option(str(world.campaign.pk))
    page.get_by_role("button", name="Voir les candidatures proposées").click()
    listed = text_of(page, "#content")
    assert "Les Jardins du Lac" in listed and "Quartiers en Musique" in listed
    page.get_by_role("button", name="Confirmer : inscrire ces 2 candidatures").click()
    page.wait_for_load_state()
    assert "2 candidatures proposées ajoutées à la délibération." in messages_shown(page)

    deliberation_page = page.url
    page.get_by_role("link", name="Annexe (PDF)").click()  # a background job: its page gives the file
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger annexe-deliberation-")).click()
    annex_pdf = Path(download.value.path()).read_bytes()
    page.goto(deliberation_page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Annexe (XLSX)").click()
    annex_xlsx = Path(download.value.path()).read_bytes()
    check_annex_pdf(annex_pdf, placeholder=f"{world.today.year}/....")
    check_annex_xlsx(annex_xlsx, voted=False)

    # The vote is refused while the number is a placeholder: the page says why, nothing changes.
    page.get_by_role("link", name="Enregistrer le vote…").click()
    assert "n'est qu'un numéro provisoire" in text_of(page, "#content")
    page.goto(f"{live_server.url}/admin/deliberations/deliberation/{deliberation.pk}/change/")
    page.get_by_label("Numéro").fill("CS 042-1226/26/BM")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Enregistrer le vote…").click()
    plan = text_of(page, "#content")
    assert "1 convention en brouillon" in plan and "1 lettre de notification" in plan, plan
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    shot(page, "3-vote-confirmation")
    assert Deliberation.objects.get().status == DeliberationStatus.DRAFT  # checking changes nothing
    page.get_by_role("button", name="Confirmer le vote").click()
    page.wait_for_load_state()
    assert "Vote enregistré : les conventions en brouillon et les lettres sont produites." in messages_shown(page)
    assert "votée le" in text_of(page, "#content")
    with page.expect_download() as download:
        page.get_by_role("link", name="Annexe (XLSX)").click()
    check_annex_xlsx(Path(download.value.path()).read_bytes(), voted=True)

    page.get_by_role("link", name="Transmettre à la préfecture…").click()
    page.get_by_role("button", name="Confirmer : transmettre à la préfecture").click()
    page.wait_for_load_state()
    assert "Transmission à la préfecture enregistrée." in messages_shown(page)
    page.get_by_role("link", name="Enregistrer l'accusé de réception…").click()
    page.get_by_role("button", name=re.compile("Confirmer : accusé de réception")).click()
    page.wait_for_load_state()
    assert "Accusé de réception enregistré." in messages_shown(page)
    steps = text_of(page, "#content")
    assert "transmise à la préfecture le" in steps and "reçue par le contrôle de légalité le" in steps, steps

    # --- 4. What the vote drew: one agreement in draft, one notification letter -------------------
    agreement = Convention.objects.get(application__pk=jardins.pk)
    assert agreement.status == Status.DRAFT and agreement.amount_granted == Decimal("20000.00")
    letter = Letter.objects.get(application__pk=musique.pk)
    assert letter.kind == LetterKind.NOTIFICATION and letter.amount == Decimal("10000.00")
    produced = text_of(page, "#content")
    assert f"Convention {agreement.reference}" in produced and "lettre de notification" in produced, produced

    # The notification letter: its PDF names the association, the amount voted and the deliberation.
    page.goto(f"{live_server.url}/admin/deliberations/deliberation/{deliberation.pk}/change/")
    with page.expect_download() as download:
        page.locator("li", has_text="lettre de notification").filter(has_text="Quartiers en Musique") \
            .get_by_role("link").click()
    letter_text = pdf_text(Path(download.value.path()).read_bytes())
    for expected in ("Quartiers en Musique", "Orchestre des quartiers nord", "10 000 €", "CS 042-1226/26/BM"):
        assert expected in letter_text, (expected, letter_text)
    save_for_looking("lettre-notification.pdf", Path(download.value.path()).read_bytes())

    follow_the_agreement_to_signature(page, live_server, portal_login, world, agreement, tmp_path)

    # --- 5. Each association sees its outcome on the portal ---------------------------------------
    portal_as(page, live_server, portal_login, world.jardins_member)
    page.goto(f"{live_server.url}/portail/candidatures/{jardins.pk}/")
    outcome = text_of(page)
    assert "Attribuée" in outcome and "Subvention attribuée : 20 000 €." in outcome, outcome
    page.goto(f"{live_server.url}/portail/")  # the home lists the association's agreements
    row = page.get_by_role("row").filter(has_text=agreement.reference)
    assert "Signée" in row.inner_text() and "20 000 €" in row.inner_text().translate(NBSP), row.inner_text()
    assert_accessible(page, "accueil du portail")
    shot(page, "5-portail-convention-signee")
    portal_as(page, live_server, portal_login, world.musique_member)
    page.goto(f"{live_server.url}/portail/candidatures/{musique.pk}/")
    outcome = text_of(page)
    assert "Subvention attribuée : 10 000 €." in outcome, outcome
    assert_accessible(page, "candidature attribuée")
    # Another association's application and agreement stay out of reach.
    for url in (f"/portail/candidatures/{jardins.pk}/", f"/portail/conventions/{agreement.pk}/justificatifs/"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 404 and "Page introuvable" in text_of(page, "body"), url
    shot(page, "6-portail-lettre")


def follow_the_agreement_to_signature(page, live_server, portal_login, world, agreement, tmp_path):
    """Drive the drafted agreement through the lifecycle to « signée », on the portal and in the admin.

    draft → submitted (its forecast budget deposited by the association) → in review → voted (budget
    validated by the service, deliberation and objectives taken from the vote) → signed (the republican
    commitment contract received, both signatories and dates given; the signed PDF is frozen).
    """
    change_url = f"{live_server.url}/admin/conventions/convention/{agreement.pk}/change/"

    def transition(label: str, state: str):
        page.goto(change_url)
        page.get_by_role("link", name=label, exact=True).click()
        page.get_by_role("button", name=f"Confirmer : {label}").click()
        page.wait_for_load_state()
        assert f"La convention est maintenant à l'état « {state} »." in messages_shown(page), messages_shown(page)

    # The draft asks first for the forecast budget, deposited by the association: the button says why.
    admin_login(page, live_server, world.agent)
    page.goto(change_url)
    lifecycle = text_of(page, "#content")
    assert "Déposer le dossier — Le budget prévisionnel doit être déposé par l'association" in lifecycle, lifecycle

    # The association deposits the action's budget, carried over from its application.
    portal_as(page, live_server, portal_login, world.jardins_member)
    page.goto(f"{live_server.url}/portail/budgets/{agreement.pk}/previsionnel/")
    page.get_by_role("button", name="Déposer le budget").click()
    page.wait_for_load_state()  # the confirmation page says what will happen; nothing is deposited yet
    assert "Vous allez déposer le budget prévisionnel" in text_of(page, "body")
    page.get_by_role("button", name="Confirmer le dépôt").click()
    page.wait_for_load_state()
    assert "Le budget est déposé." in text_of(page, "body")

    admin_login(page, live_server, world.agent)
    transition("Déposer le dossier", "Déposée par l'association")
    transition("Commencer l'instruction", "En instruction")

    # Someone else than the agent validates the forecast budget.
    admin_login(page, live_server, world.validator)
    page.goto(f"{live_server.url}/admin/budgets/budget/{agreement.budgets.get().pk}/change/")
    page.get_by_role("button", name="Valider le budget").click()
    page.wait_for_load_state()
    assert "Instruction du budget — état : Validé" in text_of(page, "#content")

    admin_login(page, live_server, world.agent)
    transition("Enregistrer le vote", "Votée")

    # Voted: the signature waits for the republican commitment contract, which the association gives.
    page.goto(change_url)
    lifecycle = text_of(page, "#content")
    assert "La signature suppose les deux dates de signature" in lifecycle, lifecycle
    portal_as(page, live_server, portal_login, world.jardins_member)
    page.goto(f"{live_server.url}/portail/conventions/{agreement.pk}/justificatifs/")
    contract = tmp_path / "contrat-engagement-republicain.pdf"
    contract.write_bytes(pdf_bytes())
    field = page.get_by_label(re.compile("Fichier pour « Contrat d'engagement républicain signé »"))
    field.set_input_files(str(contract))
    page.locator("form", has=field).get_by_role("button", name="Déposer le fichier").click()
    page.wait_for_load_state()
    assert agreement.documents.get(kind=DocumentKind.REPUBLICAN_COMMITMENT).status == "received"

    # Both signatures: who signed and when, typed on the agreement's page, then recorded.
    admin_login(page, live_server, world.agent)
    page.goto(change_url)
    signed_on = world.today.strftime("%d/%m/%Y")
    page.locator("#id_beneficiary_signatory").fill("Inès BERNARD")
    page.locator("#id_beneficiary_signatory_title").fill("Présidente")  # without its article: refused, said why
    page.locator("#id_beneficiary_signed_on").fill(signed_on)
    page.locator("#id_funder_signatory").fill("Martine VASSAL")
    page.locator("#id_funder_signatory_title").fill("La Présidente de la Métropole")
    page.locator("#id_funder_signed_on").fill(signed_on)
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    page.wait_for_load_state()
    assert "Indiquez la qualité avec son article" in text_of(page, "#content")
    agreement.refresh_from_db()
    assert not agreement.beneficiary_signed_on  # nothing saved
    page.locator("#id_beneficiary_signatory_title").fill("La Présidente")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    page.wait_for_load_state()
    assert "La convention d'objectifs" in messages_shown(page) and "a été modifiée avec succès" in messages_shown(page), \
        text_of(page, "#content")
    shot(page, "4-convention-avant-signature")
    # The budget carried over from the application marks the Métropole's line at the amount voted.
    assert "Aucune ligne du budget n'est marquée" not in text_of(page, "#content")
    transition("Enregistrer les signatures", "Signée")
    agreement.refresh_from_db()
    assert agreement.status == Status.SIGNED and agreement.signed_pdf_sha256
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF signé").click()
    signed = Path(download.value.path()).read_bytes()
    save_for_looking("convention-signee.pdf", signed)
    signed_text = pdf_text(signed)
    for expected in (agreement.reference, "Les Jardins du Lac", "20 000 €", "CS 042-1226/26/BM",
                     "représentée par sa Présidente, Inès BERNARD", "Martine VASSAL"):
        assert expected in signed_text, (expected, signed_text[:3000])


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).translate(NBSP)


def save_for_looking(name: str, content: bytes) -> None:
    if os.environ.get("JOURNEY_SHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / name).write_bytes(content)


def check_annex_pdf(content: bytes, *, placeholder: str) -> None:
    save_for_looking("annexe.pdf", content)
    text = pdf_text(content)
    lines = text.splitlines()
    # One row per subsidy, the totals row their sum: N-1, action budget, requested, proposed, agreement.
    for expected in ("Les Jardins du Lac Jardin partagé des Lauriers 18 000 € 40 000 € 20 000 € 20 000 € oui",
                     "Quartiers en Musique Orchestre des quartiers nord 0 € 20 000 € 12 000 € 10 000 € non",
                     "Total 2 subventions 18 000 € 60 000 € 32 000 € 30 000 € 1 convention"):
        assert expected in lines, (expected, text)
    assert "projet soumis au vote" in text and f"n° {placeholder}" in text


def check_annex_xlsx(content: bytes, *, voted: bool) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row[0] == "Bénéficiaire")
    body, total = rows[header + 1:-1], rows[-1]
    assert [row[:2] for row in body] == [["Les Jardins du Lac", "Jardin partagé des Lauriers"],
                                         ["Quartiers en Musique", "Orchestre des quartiers nord"]]
    amounts = 7 if voted else 6
    for column in range(2, amounts):  # every amount column: its total is the sum of its rows
        assert total[column] == sum((row[column] or 0) for row in body), (column, rows)
    assert total[2:amounts] == ([18000, 60000, 32000, 30000, 30000] if voted else [18000, 60000, 32000, 30000])
    assert [row[amounts] for row in body] == ["oui", "non"]
    assert (total[0], total[1], total[amounts]) == ("Total", "2 subventions", "1 convention")
    save_for_looking(f"annexe{'-votee' if voted else ''}.xlsx", content)
