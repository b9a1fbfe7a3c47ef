"""The agreement's lifecycle: each transition's guard, its refusal message, its audit record."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.services import budget_submit, budget_validate
from conventions.models import Status
from core.roles import AGENT, FINANCE
from dossier.actions import (
    convention_cancel,
    convention_refuse,
    convention_return_to_draft,
    convention_start_review,
    convention_submit,
    convention_terminate,
    convention_vote,
)
from dossier.lifecycle import available_transitions
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast, staff_user


@pytest.fixture
def agent(db):
    return staff_user("agent1", AGENT)


@pytest.fixture
def finance(db):
    return staff_user("finance1", FINANCE)


@pytest.fixture
def convention(db):
    convention = ConventionFactory(amount_granted=Decimal("20000"))
    convention.funder.email = "instructeurs@metropole.invalid"
    convention.funder.save()
    budget_submit(budget=balanced_forecast(convention, charges=Decimal("80000")), user=None)  # deposited
    return convention


def test_member_submits_a_balanced_file_and_staff_is_told_once(convention):
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    convention = convention_submit(convention=convention, user=member)
    assert convention.status == Status.SUBMITTED
    change = convention.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == (Status.DRAFT, Status.SUBMITTED, member)
    assert len(mail.outbox) == 0  # sent on commit
    assert convention.notifications.count() == 1


def test_submission_is_refused_while_the_budget_is_not_deposited(db, agent):
    convention = ConventionFactory(amount_granted=Decimal("20000"))
    budget = balanced_forecast(convention, charges=Decimal("80000"))
    line = budget.lines.get(code="756")
    line.amount -= 793
    line.save()
    with pytest.raises(ValidationError, match="doit être déposé par l'association"):
        convention_submit(convention=convention, user=agent)
    with pytest.raises(ValidationError, match="les charges dépassent les produits de 793"):
        budget_submit(budget=budget, user=agent)  # an unbalanced budget cannot be deposited
    convention.refresh_from_db()
    assert convention.status == Status.DRAFT and not convention.status_changes.exists()


def test_member_of_another_association_cannot_submit(convention):
    outsider = MembershipFactory().user
    with pytest.raises(ValidationError, match="pas le droit"):
        convention_submit(convention=convention, user=outsider)


def test_finance_cannot_drive_the_lifecycle(convention, finance):
    with pytest.raises(ValidationError, match="pas le droit"):
        convention_submit(convention=convention, user=finance)


def test_vote_needs_the_deliberation(convention, agent):
    convention_submit(convention=convention, user=agent)
    convention = convention_start_review(convention=convention, user=agent)
    with pytest.raises(ValidationError, match="il manque l'instance, le numéro, la date"):
        convention_vote(convention=convention, user=agent)
    convention.deliberation_body, convention.deliberation_number = "bureau", "DEV 001-1/25/BM"
    convention.deliberation_date = date(2025, 3, 1)
    convention.objectives = "Animer le réseau des adhérents."
    convention.save()
    budget_validate(budget=convention.budgets.get(), user=agent)
    assert convention_vote(convention=convention, user=agent).status == Status.VOTED


def test_a_transition_from_the_wrong_state_is_refused_with_the_state(convention, agent):
    with pytest.raises(ValidationError, match="la convention est à l'état « Brouillon »"):
        convention_vote(convention=convention, user=agent)


@pytest.mark.parametrize("service", [convention_return_to_draft, convention_refuse, convention_cancel])
def test_transitions_that_need_a_comment_refuse_without_one(convention, agent, service):
    convention_submit(convention=convention, user=agent)
    with pytest.raises(ValidationError, match="commentaire est obligatoire"):
        service(convention=convention, user=agent, comment="  ")


def test_termination_waits_one_month_after_the_formal_notice(convention, agent):
    convention.status = Status.ACTIVE
    convention.save()
    with pytest.raises(ValidationError, match="mise en demeure préalable"):
        convention_terminate(convention=convention, user=agent, comment="Manquement", pro_rata_temporis=True)
    convention.formal_notice_on = date.today() - timedelta(days=10)
    convention.save()
    with pytest.raises(ValidationError, match="qu'un mois après la mise en demeure"):
        convention_terminate(convention=convention, user=agent, comment="Manquement", pro_rata_temporis=True)
    convention.formal_notice_on = date.today() - timedelta(days=40)
    convention.save()
    assert convention_terminate(convention=convention, user=agent, comment="Manquement",
                                pro_rata_temporis=False).status == Status.TERMINATED


def test_admin_shows_available_transitions_and_reasons(client, convention, agent):
    client.force_login(agent)
    page = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert "Déposer le dossier" in page and "Annuler la convention" in page
    convention_submit(convention=convention, user=agent)
    convention = convention_start_review(convention=convention, user=agent)
    reasons = {t.name: reason for t, reason in available_transitions(convention, agent)}
    assert "il manque" in reasons["vote"] and reasons["refuse"] is None


def test_admin_transition_page_applies_and_records(client, convention, agent):
    client.force_login(agent)
    url = reverse("admin:conventions_convention_transition", args=[convention.pk, "submit"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"comment": "Dossier complet"})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.status == Status.SUBMITTED
    assert convention.status_changes.get().comment == "Dossier complet"
    # Refused: the page says why and nothing changes.
    response = client.post(reverse("admin:conventions_convention_transition", args=[convention.pk, "refuse"]), {"comment": ""})
    assert "commentaire est obligatoire" in response.content.decode()
    convention.refresh_from_db()
    assert convention.status == Status.SUBMITTED


def test_finance_cannot_edit_an_agreement_in_the_admin(client, convention, finance):
    client.force_login(finance)
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    assert client.get(url).status_code == 200  # may read it
    response = client.post(url, {"reference": "X"})
    assert response.status_code == 403
