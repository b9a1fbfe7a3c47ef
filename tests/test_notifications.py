"""Hand-over emails: one per event, to the other side, recorded on the agreement."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from budgets.models import BudgetStatus
from budgets.services import budget_return, budget_submit
from core.roles import AGENT
from dossier.actions import convention_submit
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast, staff_user


@pytest.fixture
def convention(db):
    convention = ConventionFactory(amount_granted=Decimal("20000"))
    convention.funder.email = "instructeurs@metropole.invalid"
    convention.funder.save()
    convention.beneficiary.email = "contact@asso.invalid"
    convention.beneficiary.save()
    return convention


def test_a_returned_budget_is_emailed_to_the_association_once(convention, django_capture_on_commit_callbacks):
    agent = staff_user("agent1", AGENT)
    budget = balanced_forecast(convention)
    budget.status = BudgetStatus.SUBMITTED
    budget.save()
    with django_capture_on_commit_callbacks(execute=True):
        budget_return(budget=budget, user=agent, comment="Ligne 74 : indiquez la Région.")
        with pytest.raises(ValidationError):
            budget_return(budget=budget, user=agent, comment="Encore")  # retried: refused, no second email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["contact@asso.invalid"]
    assert "Ligne 74 : indiquez la Région." in mail.outbox[0].body
    assert convention.notifications.get().subject.endswith("votre budget vous est renvoyé pour correction")


def test_a_submission_is_emailed_to_the_instructing_service(convention, django_capture_on_commit_callbacks):
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    budget_submit(budget=balanced_forecast(convention), user=member)  # the file needs its budget deposited
    with django_capture_on_commit_callbacks(execute=True):
        convention_submit(convention=convention, user=member)
    assert [m.to for m in mail.outbox] == [["instructeurs@metropole.invalid"]]
    assert convention.reference in mail.outbox[0].subject
