"""Demo data of a deliberation: the Bureau votes eight subsidies of the campaign « Cohésion sociale 2027 ».

Written through the services as the association, the agent and the assembly would: eight
applications drafted, submitted, instructed and proposed, put on one deliberation, voted (one not
granted), transmitted to the préfecture and acknowledged. Among them the Pôle SCS has two
subsidies (20 000 € + 16 500 €) that together cross 23 000 €, so both become agreements; the Provence
Images en mouvement ask more for their video workshop than its whole budget. One application
refused in instruction gets its motivated letter from the same vote.

A second deliberation, of the Conseil, is still in preparation: its number a placeholder
(« 2027/.... »), it holds the campaign's applications proposed since (``load_draft_deliberation_demo``).

Runs after the campaigns demo (``demo.demo_campaigns``) when there is one: it reuses its programme
and campaign, and adds applications of its own (idempotent: skipped once its deliberation exists).
"""

from datetime import timedelta
from decimal import Decimal as D

from django.contrib.auth import get_user_model
from django.utils import timezone

from beneficiaries.models import Beneficiary, MemberRole
from beneficiaries.services import membership_grant
from budgets.services import LineInput, budget_replace_lines
from campaigns.models import (
    Application,
    ApplicationStatus,
    Campaign,
    Opinion,
    Programme,
    normalise_title,
)
from campaigns.services import (
    application_assign,
    application_create,
    application_propose,
    application_refuse,
    application_submit,
)
from conventions.models import DeliberationBody
from deliberations.models import Deliberation
from deliberations.services import (
    deliberation_add_applications,
    deliberation_add_proposed,
    deliberation_create,
    deliberation_record_receipt,
    deliberation_transmit,
    deliberation_update,
    deliberation_vote,
    proposed_not_inscribed,
)
from demo.demo_campaigns import give_missing_documents

PROGRAMME_NAME = "Cohésion sociale et politique de la ville"
CAMPAIGN_TITLE = "Cohésion sociale 2027"
SUBJECT = "Cohésion sociale et politique de la ville — attribution de subventions aux associations au titre de 2027"

#: (association SIRET, action, requested, action budget (charges), proposed)
SUBSIDIES = [
    ("51990012300018", "Diagnostics de cybersécurité des commerces de proximité", D("20000"), D("64000"), D("20000")),
    ("51990012300018", "Fabrique numérique des collégiens", D("16500"), D("42000"), D("16500")),
    ("77512345600011", "Potagers partagés des résidences d'Air-Bel", D("9000"), D("24000"), D("8000")),
    ("81234567800013", "Ciné-quartiers : projections en plein air", D("25000"), D("70000"), D("24000")),
    ("81234567800013", "Atelier vidéo des lycéens", D("6000"), D("5000"), D("4500")),  # more than its budget
    ("30123456700016", "Théâtre forum contre les discriminations", D("12000"), D("38000"), D("10000")),
    ("30123456700016", "Scène ouverte des jeunes talents", D("7000"), D("20000"), D("6000")),
    ("43219876500013", "Permanences d'accompagnement à la création d'activité", D("18000"), D("90000"), D("15000")),
]
NOT_GRANTED = {"Scène ouverte des jeunes talents": (
    "La séance a réservé l'aide de la Métropole au théâtre forum de l'association ; la scène ouverte peut être "
    "présentée de nouveau à la campagne 2028.")}
REFUSED_IN_INSTRUCTION = ("43219876500013", "Salon de l'économie sociale et solidaire", D("8000"), D("26000"),
                          "Événement ponctuel, hors des actions d'accompagnement du programme.")


def _budget(charges: D, requested: D, funder_name: str) -> list[LineInput]:
    """Return a balanced forecast of the action: its charges, the funder asked for ``requested``, the rest."""
    staff, rent = (charges * D("0.6")).quantize(D("1")), (charges * D("0.15")).quantize(D("1"))
    other = max(charges - requested, D("0"))
    return [
        LineInput(code="641", label="Rémunération des intervenants", amount=staff),
        LineInput(code="613", label="Location de salles et de matériel", amount=rent),
        LineInput(code="606", label="Fournitures et petit matériel", amount=charges - staff - rent),
        LineInput(code="744", label=funder_name, amount=requested, funding_status="requested",
                  is_granting_funder=True),
        LineInput(code="756", label="Cotisations et participations des habitants", amount=other),
    ]


def _campaign(funder, users) -> Campaign:
    today = timezone.localdate()
    programme = Programme.objects.filter(funder=funder, name=PROGRAMME_NAME).first()
    if programme is None:
        programme = Programme(funder=funder, name=PROGRAMME_NAME, policy="Politique de la ville",
                              directorate="Direction de la cohésion sociale")
        programme._history_user = users["admin"]
        programme.save()
    campaign = Campaign.objects.filter(programme=programme, year=2027, title=CAMPAIGN_TITLE).first()
    if campaign is None:
        campaign = Campaign(programme=programme, year=2027, title=CAMPAIGN_TITLE, opens_on=today - timedelta(days=60),
                            closes_on=today + timedelta(days=45), envelope=D("250000"))
        campaign._history_user = users["admin"]
        campaign.save()
    return campaign


def _member(beneficiary: Beneficiary, users):
    """Return a member who applies for ``beneficiary``: the demo account when it has one, else a closed account."""
    membership = beneficiary.memberships.filter(is_active=True).select_related("user").first()
    if membership is not None:
        return membership.user
    user, created = get_user_model().objects.get_or_create(
        username=f"membre-{beneficiary.siret}",
        defaults={"first_name": beneficiary.representative_name.split(" ")[0],
                  "last_name": " ".join(beneficiary.representative_name.split(" ")[1:]),
                  "email": f"{beneficiary.siret}@demo.invalid"})
    if created:
        user.set_unusable_password()  # no login: the demo accounts are the ones ``make run`` prints
        user.save()
    membership_grant(user=user, beneficiary=beneficiary, role=MemberRole.PRESIDENT)
    return user


def _instructed(campaign, siret, title, requested, charges, users) -> Application:
    """Return the application ``title`` of the association, drafted, submitted and in instruction."""
    beneficiary = Beneficiary.objects.get(siret=siret)
    existing = Application.objects.filter(campaign=campaign, beneficiary=beneficiary,
                                          action_key=normalise_title(title)).first()
    if existing is not None:
        return existing
    member = _member(beneficiary, users)
    application = application_create(
        campaign=campaign, beneficiary=beneficiary, user=member, action_title=title,
        objectives="Toucher les habitants des quartiers prioritaires de la politique de la ville.\n"
                   "Associer les partenaires de proximité (centres sociaux, établissements scolaires).\n"
                   "Rendre compte de l'action par des indicateurs de participation.",
        action_start=campaign.opens_on.replace(year=2027, month=1, day=1),
        action_end=campaign.opens_on.replace(year=2027, month=12, day=31),
        public="Habitants des quartiers prioritaires (environ 250 personnes)",
        place="Marseille et Aix-en-Provence", requested_amount=requested)
    budget_replace_lines(budget=application.budget, lines=_budget(charges, requested, campaign.funder.name))
    give_missing_documents(application, member)
    application = application_submit(application=application, user=member)
    # Filed weeks before the Bureau's session (five days ago), as it happened: not « déposée » after its vote.
    filed = timezone.now() - timedelta(days=40)
    Application.objects.filter(pk=application.pk).update(submitted_at=filed)
    application.versions.update(at=filed)
    application.submitted_at = filed
    return application_assign(application=application, agent=users["agent"], user=users["agent"])


def load_deliberations_demo(funder, users: dict) -> Deliberation | None:
    """Add the deliberation of the Bureau voting eight subsidies of the 2027 campaign (idempotent)."""
    today = timezone.localdate()
    number = f"CSPV 027-0412/{today:%y}/BM"
    if Deliberation.objects.filter(funder=funder, number=number).exists():
        return None
    agent = users["agent"]
    campaign = _campaign(funder, users)
    applications = []
    for siret, title, requested, charges, amount in SUBSIDIES:
        application = _instructed(campaign, siret, title, requested, charges, users)
        if application.status == ApplicationStatus.IN_INSTRUCTION:
            application = application_propose(
                application=application, opinion=Opinion.FAVORABLE, proposed_amount=amount, user=agent,
                reason="Action conforme aux objectifs du programme ; montant ajusté au budget de l'action.")
        applications.append(application)
    siret, title, requested, charges, reason = REFUSED_IN_INSTRUCTION
    refused = _instructed(campaign, siret, title, requested, charges, users)
    if refused.status == ApplicationStatus.IN_INSTRUCTION:
        application_refuse(application=refused, reason=reason, user=agent)
    deliberation = deliberation_create(funder=funder, body=DeliberationBody.BUREAU, session_date=today - timedelta(days=5),
                                       subject=SUBJECT, number=f"CSPV 027-…/{today:%y}/BM", user=agent)
    lines = deliberation_add_applications(deliberation=deliberation, applications=applications, user=agent)
    # The number is known once the session has met: it replaces the placeholder.
    deliberation = deliberation_update(deliberation=deliberation, number=number, user=agent)
    not_granted = {line.pk: NOT_GRANTED[line.application.action_title] for line in lines
                   if line.application.action_title in NOT_GRANTED}
    deliberation_vote(deliberation=deliberation, by=agent, not_granted=not_granted)
    deliberation_transmit(deliberation=deliberation, transmitted_on=today - timedelta(days=3), user=agent)
    deliberation_record_receipt(deliberation=deliberation, received_on=today - timedelta(days=2), user=agent)
    return deliberation


DRAFT_NUMBER = "2027/...."
DRAFT_SUBJECT = ("Cohésion sociale et politique de la ville — attribution de subventions aux associations au titre "
                 "de 2027 (deuxième série)")


def load_draft_deliberation_demo(funder, users: dict) -> Deliberation | None:
    """Add the Conseil's deliberation in preparation holding the 2027 campaign's proposed applications (idempotent).

    Its number is a placeholder until the session: the vote page lists what the vote will create and
    refuses to record it while the number is not the final one.
    """
    if Deliberation.objects.filter(funder=funder, number=DRAFT_NUMBER).exists():
        return None
    campaign = _campaign(funder, users)
    if not proposed_not_inscribed(campaign).exists():
        return None
    agent = users["agent"]
    deliberation = deliberation_create(funder=funder, body=DeliberationBody.COUNCIL,
                                       session_date=timezone.localdate() + timedelta(days=30), subject=DRAFT_SUBJECT,
                                       number=DRAFT_NUMBER, user=agent)
    deliberation_add_proposed(deliberation=deliberation, campaign=campaign, user=agent)
    return deliberation
