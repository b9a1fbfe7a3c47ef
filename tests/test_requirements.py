"""The requirements table (dossier.requirements): each rule at its home, its waivers, and the screens that read it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.services import budget_submit, budget_validate
from conventions.models import DeliberationBody, Status
from core.roles import AGENT
from dossier.actions import convention_start_review, convention_submit, convention_vote
from dossier.models import RequirementWaiver
from dossier.requirements import REQUIREMENTS, blocking_reasons, requirement_states
from indicators.models import ReportStatus
from tests.factories import (
    ConventionFactory,
    IndicatorReportFactory,
    MembershipFactory,
    balanced_forecast,
    staff_user,
)


@pytest.fixture
def agent(db):
    return staff_user("agent-req", AGENT)


def in_review(agent, **fields):
    values = {"amount_granted": Decimal("20000"), "objectives": "Animer le réseau.",
              "deliberation_body": DeliberationBody.BUREAU, "deliberation_number": "DEV 001-2/25/BM",
              "deliberation_date": date(2025, 3, 20), **fields}
    convention = ConventionFactory(**values)
    # The association deposits its budget (the agent then validates it: never their own deposit).
    depositor = MembershipFactory(beneficiary=convention.beneficiary).user
    budget = budget_submit(budget=balanced_forecast(convention, charges=Decimal("80000")), user=depositor)
    convention_submit(convention=convention, user=agent)
    convention = convention_start_review(convention=convention, user=agent)
    return convention, budget


def test_the_table_holds_what_each_transition_needs():
    codes = {name: [r.code for r in requirements] for name, requirements in REQUIREMENTS.items()}
    assert codes["submit"] == ["forecast_deposited"]
    assert set(codes["vote"]) == {"deliberation_complete", "amount_positive", "forecast_validated", "objectives_written"}
    assert set(codes["sign"]) == {"signatures_recorded", "documents_before_signature"}
    assert set(codes["close"]) == {"documents_given", "documents_accepted", "actual_budget_deposited",
                                   "actual_budget_validated", "indicators_sent", "indicators_validated",
                                   "balance_settled"}
    # What the association does is its own requirement; what the agent then checks is another.
    parties = {r.code: r.party for rs in REQUIREMENTS.values() for r in rs}
    assert [c for c, p in parties.items() if p == "association"] == [
        "forecast_deposited", "documents_before_signature", "documents_given", "actual_budget_deposited",
        "indicators_sent"]
    # Every requirement says in French what it asks.
    assert all(str(r.label) and r.label[0].isupper() for rs in REQUIREMENTS.values() for r in rs)


def test_each_vote_requirement_gives_its_own_reason(agent):
    convention, budget = in_review(agent, objectives="", amount_granted=Decimal("0"), deliberation_number="")
    reasons = " ".join(blocking_reasons(convention, "vote"))
    assert "objectifs de l'article 1" in reasons
    assert "montant attribué supérieur à zéro" in reasons
    assert "budget prévisionnel validé" in reasons and "« Déposé »" in reasons
    assert "il manque le numéro" in reasons
    budget_validate(budget=budget, user=agent)
    convention.objectives, convention.amount_granted, convention.deliberation_number = "Un objectif.", 1, "D-1"
    assert blocking_reasons(convention, "vote") == []


def test_a_waiver_with_its_reason_lets_the_vote_pass_and_is_recorded(agent):
    convention, budget = in_review(agent, objectives="")
    budget_validate(budget=budget, user=agent)
    with pytest.raises(ValidationError, match="motif de la dérogation est obligatoire"):
        convention_vote(convention=convention, user=agent, waive=["objectives_written"], waiver_reason="  ")
    convention.refresh_from_db()
    assert convention.status == Status.IN_REVIEW and not RequirementWaiver.objects.exists()

    convention = convention_vote(convention=convention, user=agent, waive=["objectives_written"],
                                 waiver_reason="Objectifs repris de la délibération, annexés au rapport.")
    assert convention.status == Status.VOTED
    waiver = RequirementWaiver.objects.get()
    assert (waiver.transition, waiver.requirement, waiver.by) == ("vote", "objectives_written", agent)
    assert waiver.history.get().history_user == agent  # audited
    state = next(s for s in requirement_states(convention, "vote") if s.requirement.code == "objectives_written")
    assert state.waiver == waiver and not state.blocking


def test_a_requirement_that_cannot_be_waived_stays_a_refusal(agent):
    convention, budget = in_review(agent, amount_granted=Decimal("0"))
    budget_validate(budget=budget, user=agent)
    with pytest.raises(ValidationError, match="ne peut pas faire l'objet d'une dérogation"):
        convention_vote(convention=convention, user=agent, waive=["amount_positive"], waiver_reason="Urgence")
    convention.refresh_from_db()
    assert convention.status == Status.IN_REVIEW and not RequirementWaiver.objects.exists()


def test_a_member_cannot_waive(agent):
    convention = ConventionFactory(amount_granted=Decimal("20000"))
    balanced_forecast(convention, charges=Decimal("80000"))  # not deposited
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    with pytest.raises(ValidationError, match="Seul un agent"):
        convention_submit(convention=convention, user=member, waive=["forecast_deposited"], waiver_reason="Pressé")
    assert not RequirementWaiver.objects.exists()


def test_the_admin_buttons_and_confirmation_page_read_the_table(client, agent):
    convention, _budget = in_review(agent, objectives="")
    client.force_login(agent)
    change = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert "Enregistrer le vote</span> — <em>Le vote suppose le budget prévisionnel validé" in change
    vote_url = reverse("admin:conventions_convention_transition", args=[convention.pk, "vote"])
    assert f'<a href="{vote_url}">Voir les conditions et passer outre…</a>' in change
    url = reverse("admin:conventions_convention_transition", args=[convention.pk, "vote"])
    page = client.get(url).content.decode()
    assert "✗ Non remplie</strong> — Objectifs de l&#x27;article 1 saisis" in page
    assert "✓ Remplie</strong> — Délibération complète" in page


def test_a_crafted_post_with_an_unmet_requirement_is_refused_and_changes_nothing(client, agent):
    convention, _budget = in_review(agent, objectives="")
    client.force_login(agent)
    url = reverse("admin:conventions_convention_transition", args=[convention.pk, "vote"])
    response = client.post(url, {"comment": "Voté"})
    assert response.status_code == 200
    assert "Les objectifs de l&#x27;article 1 ne sont pas saisis." in response.content.decode()
    response = client.post(url, {"comment": "Voté", "waive": ["objectives_written", "forecast_validated"]})
    assert "Le motif de la dérogation est obligatoire" in response.content.decode()
    convention.refresh_from_db()
    assert convention.status == Status.IN_REVIEW and not RequirementWaiver.objects.exists()


def test_a_waiver_given_on_the_confirmation_page_is_shown_on_the_agreement(client, agent):
    convention, budget = in_review(agent, objectives="")
    budget_validate(budget=budget, user=agent)
    client.force_login(agent)
    url = reverse("admin:conventions_convention_transition", args=[convention.pk, "vote"])
    response = client.post(url, {"comment": "Voté", "waive": ["objectives_written"],
                                 "waiver_reason": "Objectifs annexés à la délibération"})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.status == Status.VOTED
    change = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert "Dérogations accordées" in change
    assert "Objectifs de l&#x27;article 1 saisis (Enregistrer le vote) — par agent-req" in change
    assert "Objectifs annexés à la délibération" in change


def test_the_portal_home_shows_what_the_next_step_waits_for_from_the_association(client, agent):
    convention = ConventionFactory(amount_granted=Decimal("20000"), status=Status.JUSTIFICATION)
    report = IndicatorReportFactory(convention=convention, year=convention.fiscal_year, status=ReportStatus.SUBMITTED)
    client.force_login(MembershipFactory(beneficiary=convention.beneficiary).user)
    page = client.get(reverse("portal:home")).content.decode()
    # No actual budget yet: the closing needs it from the association, and the home says so (same words).
    assert "Budget réalisé déposé" in page
    assert "La clôture attend le budget réalisé déposé par l&#x27;association (il est « non saisi »)." in page
    # The report is sent: validating it is the agent's turn, the association is not asked for it.
    assert "Bilan des indicateurs" not in page
    report.status = ReportStatus.DRAFT
    report.save()
    page = client.get(reverse("portal:home")).content.decode()
    assert "Indicateurs" in page and "Bilan des indicateurs transmis" not in page  # the report's own item says it
