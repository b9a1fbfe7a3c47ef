"""Demo data of the yearly cycle: the campaign « Cohésion sociale 2027 », open, with applications in
several states, written through ``campaigns.services`` as the association and the agent would.

Pôle SCS has two applications whose amounts add up above 23 000 € (an agreement is needed for
both); the Jardins partagés de l'Huveaune ask 30 % more than their 2026 agreement (strong growth)
and have one application returned for changes.
"""

import io
from datetime import timedelta
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from beneficiaries.models import Beneficiary
from budgets.services import LineInput, budget_replace_lines
from campaigns.models import Application, Opinion
from campaigns.rules import application_document_slots
from campaigns.services import (
    application_assign,
    application_create,
    application_dismiss,
    application_document_upload,
    application_propose,
    application_refuse,
    application_request_changes,
    application_submit,
    campaign_upsert,
    programme_upsert,
)

CAMPAIGN_TITLE = "Cohésion sociale 2027"


def _budget(total: D, requested: D, funder_name: str) -> list[LineInput]:
    return [
        LineInput(code="641", label="Rémunération des animateurs", amount=total * D("0.6")),
        LineInput(code="606", label="Petit matériel et fournitures", amount=total * D("0.15")),
        LineInput(code="613", label="Location de salles", amount=total * D("0.25")),
        LineInput(code="744", label=funder_name, amount=requested, funding_status="requested",
                  is_granting_funder=True),
        LineInput(code="743", label="Département des Bouches-du-Rhône", amount=total * D("0.2"),
                  funding_status="requested"),
        LineInput(code="756", label="Cotisations et participations", amount=max(total - requested - total * D("0.2"), D("0"))),
    ]


#: (association SIRET, member, action, requested, action budget, what happens to it)
APPLICATIONS = [
    ("51990012300018", "scs", "Sensibilisation des petites entreprises à la cybersécurité", D("20000"), D("60000"),
     "proposed"),
    ("51990012300018", "scs", "Ateliers numériques pour les seniors", D("16500"), D("40000"), "in_instruction"),
    ("51990012300018", "scs", "Hackathon des quartiers", D("12000"), D("10000"), "submitted"),
    ("77512345600011", "asso2", "Jardins pédagogiques dans les écoles", D("41600"), D("90000"), "in_instruction"),
    ("77512345600011", "asso2", "Compostage partagé en pied d'immeuble", D("8000"), D("20000"), "changes_requested"),
    ("77512345600011", "asso2", "Fête des récoltes", D("5000"), D("12000"), "refused"),
    ("77512345600011", "asso2", "Marché paysan du dimanche", D("3000"), D("9000"), "dismissed"),
    ("77512345600011", "asso2", "Chantiers participatifs de printemps", D("6000"), D("15000"), "draft"),
]


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def give_missing_documents(application: Application, user) -> None:
    """Attach, as ``user``, a blank PDF for every document the application still asks (none already on file)."""
    pdf = _blank_pdf()
    for slot in application_document_slots(application, today=timezone.localdate()):
        if not slot.is_met:
            application_document_upload(application=application, kind=slot.kind, user=user,
                                        uploaded=SimpleUploadedFile(f"{slot.kind}.pdf", pdf, "application/pdf"))


def load_campaigns_demo(funder, users: dict) -> None:
    """Add the 2027 campaign and its applications (idempotent: skipped once the campaign has some)."""
    today = timezone.localdate()
    programme = programme_upsert(funder=funder, name="Cohésion sociale et politique de la ville",
                                 policy="Politique de la ville", directorate="Direction de la cohésion sociale",
                                 user=users["admin"])
    campaign = campaign_upsert(programme=programme, year=2027, title=CAMPAIGN_TITLE,
                               opens_on=today - timedelta(days=60), closes_on=today + timedelta(days=45),
                               envelope=D("250000"), user=users["admin"])
    if Application.objects.filter(campaign=campaign).exists():
        return
    agent = users["agent"]
    for siret, member, title, requested, total, outcome in APPLICATIONS:
        user = users[member]
        application = application_create(
            campaign=campaign, beneficiary=Beneficiary.objects.get(siret=siret), user=user, action_title=title,
            objectives="Accompagner les habitants des quartiers prioritaires.\nCréer du lien entre les générations.",
            action_start=campaign.opens_on.replace(year=2027, month=1, day=1),
            action_end=campaign.opens_on.replace(year=2027, month=12, day=31),
            public="Habitants des quartiers prioritaires de la politique de la ville (environ 300 personnes)",
            place="Marseille (13e et 14e arrondissements)", requested_amount=requested)
        budget_replace_lines(budget=application.budget, lines=_budget(total, requested, funder.name))
        give_missing_documents(application, user)  # given once: its next applications do not ask them again
        if outcome == "draft":
            continue
        application = application_submit(application=application, user=user)
        if outcome == "submitted":
            continue
        if outcome == "dismissed":
            application_dismiss(application=application, user=agent,
                                reason="L'association a retiré sa demande (action financée par la commune).")
            continue
        if outcome == "changes_requested":
            application_request_changes(application=application, user=agent, message=(
                "Précisez le nombre de foyers concernés et joignez l'accord du bailleur pour l'installation "
                "des composteurs."))
            continue
        application = application_assign(application=application, agent=agent, user=agent)
        if outcome == "refused":
            application_refuse(application=application, user=agent,
                               reason="Action ponctuelle sans lien avec les objectifs du programme.")
        elif outcome == "proposed":
            application_propose(application=application, opinion=Opinion.FAVORABLE, proposed_amount=D("18000"),
                                reason="Action reconduite, bons résultats en 2026 ; montant ajusté au budget.",
                                user=agent)
