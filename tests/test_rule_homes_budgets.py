"""Budgets' status only through their services; one rule for the association's recipients.

- the budget admin shows the status read-only with the review buttons (``budget_validate``,
  ``budget_return``); a crafted POST cannot set « validé »;
- ``conventions.notifications.association_recipients`` is the one list of the association's
  addresses, read by the notifications and the reminders alike;
- the email of a returned budget is plain text (no HTML escaping) and links to the budget's page.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from budgets.models import BudgetKind, BudgetStatus
from budgets.services import budget_return
from compliance import reminders
from conventions import notifications
from conventions.notifications import association_recipients
from core.roles import AGENT
from documents.models import DocumentKind, DocumentStatus
from documents.services import document_reject
from tests.admin_forms import change_form_data
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    DocumentFactory,
    MembershipFactory,
    UserFactory,
    staff_user,
)
from tests.test_reminders import DUE, owe, run, signed_convention


@pytest.fixture
def agent(db):
    return staff_user("agent1", AGENT)


@pytest.fixture
def unbalanced(db):
    """A submitted forecast of 1 000 € of charges and 10 € of products: it must not be validated."""
    budget = BudgetFactory(status=BudgetStatus.SUBMITTED)
    BudgetLineFactory(budget=budget, code="641", label="Salaires", amount=Decimal("1000"))
    BudgetLineFactory(budget=budget, code="756", label="Cotisations", amount=Decimal("10"))
    return budget


def change_url(budget):
    return reverse("admin:budgets_budget_change", args=[budget.pk])


def test_the_budget_page_shows_the_status_read_only_with_the_review_buttons(client, agent, unbalanced):
    client.force_login(agent)
    response = client.get(change_url(unbalanced))
    page = response.content.decode()
    assert "status" not in response.context["adminform"].form.fields
    assert 'name="status"' not in page
    status = unbalanced.get_status_display()
    assert f'<div class="readonly">{status}</div>' in page
    assert f"Instruction du budget — état : {status}" in page
    assert reverse("admin:budgets_budget_validate", args=[unbalanced.pk]) in page and "Valider le budget" in page
    assert reverse("admin:budgets_budget_return", args=[unbalanced.pk]) in page


def test_a_crafted_post_cannot_validate_an_unbalanced_budget(client, agent, unbalanced):
    client.force_login(agent)
    data = change_form_data(client.get(change_url(unbalanced)), status=BudgetStatus.VALIDATED)
    response = client.post(change_url(unbalanced), data)
    assert response.status_code == 302
    unbalanced.refresh_from_db()
    assert unbalanced.status == BudgetStatus.SUBMITTED


def test_the_validate_button_goes_through_the_service_and_refuses(client, agent, unbalanced):
    client.force_login(agent)
    response = client.post(reverse("admin:budgets_budget_validate", args=[unbalanced.pk]), follow=True)
    unbalanced.refresh_from_db()
    assert unbalanced.status == BudgetStatus.SUBMITTED
    assert "Le budget n&#x27;est pas équilibré" in response.content.decode()


def test_the_returned_budget_email_is_plain_text_and_links_to_the_budget(agent, unbalanced,
                                                                          django_capture_on_commit_callbacks):
    unbalanced.convention.beneficiary.email = "contact@asso.invalid"
    unbalanced.convention.beneficiary.save()
    with django_capture_on_commit_callbacks(execute=True):
        budget_return(budget=unbalanced, user=agent, comment="Les charges dépassent les produits : merci de l'équilibrer.")
    body = mail.outbox[0].body
    assert "merci de l'équilibrer" in body and "&#x27;" not in body
    url = settings.SITE_URL + reverse("portal_budgets:forecast", args=[unbalanced.convention_id])
    assert url in body
    assert url.rstrip("/").endswith("/previsionnel")


def test_an_actual_budget_email_links_to_the_actual_budget(agent, unbalanced, django_capture_on_commit_callbacks):
    unbalanced.kind = BudgetKind.ACTUAL
    unbalanced.save()
    unbalanced.convention.beneficiary.email = "contact@asso.invalid"
    unbalanced.convention.beneficiary.save()
    with django_capture_on_commit_callbacks(execute=True):
        budget_return(budget=unbalanced, user=agent, comment="À corriger")
    assert settings.SITE_URL + reverse("portal_budgets:actual", args=[unbalanced.convention_id]) in mail.outbox[0].body


def test_the_association_recipients_are_one_rule(db):
    convention = signed_convention()
    beneficiary = convention.beneficiary
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="tresoriere@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="CONTACT@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="parti@asso.invalid"), is_active=False)
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="ancien@asso.invalid", is_active=False))
    expected = ["contact@asso.invalid", "tresoriere@asso.invalid"]
    assert association_recipients(beneficiary) == association_recipients(convention) == expected
    assert reminders.association_recipients is notifications.association_recipients


def test_reminders_and_notifications_reach_the_same_recipients(db, agent, django_capture_on_commit_callbacks):
    convention = signed_convention()
    beneficiary = convention.beneficiary
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="tresoriere@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="CONTACT@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="ancien@asso.invalid", is_active=False))
    owe(convention)
    run(DUE - timedelta(days=7))
    budget = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL, status=BudgetStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        budget_return(budget=budget, user=agent, comment="À corriger")
    document = DocumentFactory(convention=convention, kind=DocumentKind.INSURANCE, status=DocumentStatus.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        document_reject(document=document, reason="Attestation périmée", by=agent)
    reminder, returned, rejected = mail.outbox
    assert reminder.to == returned.to == rejected.to == ["contact@asso.invalid", "tresoriere@asso.invalid"]
    assert "Attestation d'assurance" in rejected.body and "&#x27;" not in rejected.body  # plain text, not escaped HTML
