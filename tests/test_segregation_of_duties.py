"""Segregation of duties: nobody approves, validates or accepts what they submitted, nor anything of an
association they belong to — payment steps, budget validation, document acceptance, indicator validation
and waivers of the association's requirements — with a French reason; nothing changes when refused.

The issue: « A staff member added themselves as a member of an association, requested its advance from
the portal, then approved that request as instructing agent. »
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import BudgetStatus
from budgets.services import budget_return, budget_submit, budget_validate
from conventions.models import DeliberationBody, Status
from core.roles import AGENT, FINANCE
from documents.models import DocumentKind, DocumentStatus
from documents.services import document_accept, document_reject, document_upload
from dossier.actions import convention_vote
from dossier.models import RequirementWaiver
from finance.models import PaymentKind, PaymentStatus
from finance.services import (
    payment_request_approve_as_finance,
    payment_request_approve_as_staff,
    payment_request_create,
    payment_request_mark_paid,
    payment_request_reject,
)
from indicators.models import ReportStatus
from indicators.services import (
    indicator_report_open,
    indicator_report_return,
    indicator_report_submit,
    indicator_report_validate,
)
from tests.factories import (
    BeneficiaryFactory,
    BudgetFactory,
    ConventionFactory,
    DocumentFactory,
    MembershipFactory,
    add_balanced_lines,
    balanced_forecast,
    indicator_set_for_tests,
    staff_user,
)
from tests.indicator_helpers import good_figures
from tests.samples import pdf_bytes, upload
from tests.test_least_privilege import text

pytestmark = pytest.mark.django_db

ASSOCIATION = "Les Jardins du Canal"
AS_MEMBER = (f"Vous êtes membre de l'association « {ASSOCIATION} » : la validation de ce qui la concerne "
             "revient à une autre personne.")


def as_depositor(what: str) -> str:
    return f"Vous avez vous-même déposé {what} : sa validation revient à une autre personne."


@pytest.fixture
def association():
    return BeneficiaryFactory(name=ASSOCIATION)


@pytest.fixture
def agent(db):
    """The instructing agent whose duties are tested: a member of the association or its depositor."""
    return staff_user("agent-en-conflit", AGENT)


@pytest.fixture
def other_agent(db):
    return staff_user("agent-independant", AGENT)


@pytest.fixture
def member(association):
    """A member of the association acting on the portal."""
    return MembershipFactory(beneficiary=association).user


def join(user, association, *, active=True):
    return MembershipFactory(user=user, beneficiary=association, is_active=active)


def snapshot(obj):
    """What a refusal must leave untouched: the state and the audit trail."""
    obj.refresh_from_db()
    return obj.status, obj.history.count()


def refusal(call, **kwargs) -> str:
    with pytest.raises(ValidationError) as raised:
        call(**kwargs)
    return " ".join(raised.value.messages)


# --- Payment requests ---------------------------------------------------------------------------------


@pytest.fixture
def active(association):
    convention = ConventionFactory(beneficiary=association, amount_granted=Decimal("66000"), status=Status.ACTIVE)
    balanced_forecast(convention, charges=Decimal("954123"))
    return convention


def request_advance(convention, user):
    return payment_request_create(convention=convention, kind=PaymentKind.ADVANCE, user=user,
                                  certified_by_name="Camille DURAND", certified_by_quality="Présidente")


def test_the_issue_the_agent_who_joined_and_requested_the_advance_cannot_approve_it(active, association, agent):
    join(agent, association)
    payment = request_advance(active, agent)
    before = snapshot(payment)
    message = refusal(payment_request_approve_as_staff, request=payment, user=agent)
    assert message == as_depositor("cette demande de versement")
    assert snapshot(payment) == before == (PaymentStatus.SUBMITTED, 1)


def test_the_depositor_is_refused_even_after_leaving_the_association(active, association, agent):
    membership = join(agent, association)
    payment = request_advance(active, agent)
    membership.is_active = False
    membership.save()
    assert refusal(payment_request_approve_as_staff, request=payment, user=agent) == as_depositor(
        "cette demande de versement")
    assert snapshot(payment) == (PaymentStatus.SUBMITTED, 1)


def test_a_member_is_refused_every_approval_step_but_may_still_reject(active, association, agent, member,
                                                                       other_agent):
    finance_member = staff_user("finance-en-conflit", FINANCE)
    finance = staff_user("finance-independant", FINANCE)
    join(agent, association)
    join(finance_member, association)
    payment = request_advance(active, member)
    assert refusal(payment_request_approve_as_staff, request=payment, user=agent) == AS_MEMBER
    assert snapshot(payment) == (PaymentStatus.SUBMITTED, 1)
    payment_request_approve_as_staff(request=payment, user=other_agent)
    before = snapshot(payment)
    assert refusal(payment_request_approve_as_finance, request=payment, user=finance_member,
                   commitment_number="EJ-1", budget_imputation="65748") == AS_MEMBER
    payment.refresh_from_db()
    assert snapshot(payment) == before and payment.commitment_number == ""
    payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-1",
                                       budget_imputation="65748")
    before = snapshot(payment)
    assert refusal(payment_request_mark_paid, request=payment, user=finance_member,
                   payment_order_number="M-1", paid_on=date(2026, 5, 2)) == AS_MEMBER
    assert snapshot(payment) == before == (PaymentStatus.FINANCE_APPROVED, 3)
    # Rejecting is not approving: it hands the request back, and someone else approves a new one.
    payment_request_reject(request=payment, user=finance_member, reason="Pièce manquante.")
    assert snapshot(payment) == (PaymentStatus.REJECTED, 4)


def test_an_inactive_membership_does_not_block_an_active_one_does(active, association, agent, member):
    membership = join(agent, association)
    payment = request_advance(active, member)
    assert refusal(payment_request_approve_as_staff, request=payment, user=agent) == AS_MEMBER
    membership.is_active = False
    membership.save()
    payment_request_approve_as_staff(request=payment, user=agent)
    assert snapshot(payment) == (PaymentStatus.STAFF_APPROVED, 2)


def test_another_agent_approves_what_the_depositor_may_not(active, association, agent, other_agent):
    join(agent, association)
    payment = request_advance(active, agent)
    refusal(payment_request_approve_as_staff, request=payment, user=agent)
    payment_request_approve_as_staff(request=payment, user=other_agent)
    assert snapshot(payment) == (PaymentStatus.STAFF_APPROVED, 2)
    last = payment.history.first()
    assert (last.history_user, last.history_change_reason) == (other_agent, "Validée par le service instructeur")


def test_in_the_admin_the_member_sees_why_and_a_crafted_post_changes_nothing(client, active, association, agent,
                                                                            member):
    join(agent, association)
    payment = request_advance(active, member)
    client.force_login(agent)
    change_url = reverse("admin:finance_paymentrequest_change", args=[payment.pk])
    page = client.get(change_url)
    assert [label for label, _url in page.context["payment_steps"]] == ["Rejeter la demande"]
    assert f"Valider (service instructeur) — {AS_MEMBER}" in text(page)
    step_url = reverse("admin:finance_paymentrequest_step", args=[payment.pk, "valider-instructeur"])
    assert step_url not in page.content.decode()
    response = client.post(step_url, follow=True)
    assert response.redirect_chain == [(change_url, 302)]
    assert AS_MEMBER in [str(m) for m in response.context["messages"]]
    assert snapshot(payment) == (PaymentStatus.SUBMITTED, 1)


def test_in_the_admin_a_finance_officer_member_cannot_validate_for_payment(client, active, association, member,
                                                                          other_agent):
    finance_member = staff_user("finance-en-conflit", FINANCE)
    join(finance_member, association)
    payment = request_advance(active, member)
    payment_request_approve_as_staff(request=payment, user=other_agent)
    client.force_login(finance_member)
    url = reverse("admin:finance_paymentrequest_step", args=[payment.pk, "valider-finances"])
    response = client.post(url, {"commitment_number": "EJ-1", "budget_imputation": "65748"}, follow=True)
    assert AS_MEMBER in text(response)
    payment.refresh_from_db()
    assert snapshot(payment) == (PaymentStatus.STAFF_APPROVED, 2) and payment.commitment_number == ""


# --- Budgets ------------------------------------------------------------------------------------------


@pytest.fixture
def forecast(association):
    return add_balanced_lines(BudgetFactory(convention=ConventionFactory(beneficiary=association)))


def test_who_deposited_the_budget_may_not_validate_it(forecast, agent):
    budget = budget_submit(budget=forecast, user=agent)  # an agent depositing on the association's behalf
    assert budget.submitted_by == agent
    before = snapshot(budget)
    assert refusal(budget_validate, budget=budget, user=agent) == as_depositor("ce budget")
    assert snapshot(budget) == before and before[0] == BudgetStatus.SUBMITTED


def test_a_member_may_not_validate_the_budget_but_may_return_it(forecast, association, agent, member):
    join(agent, association)
    budget = budget_submit(budget=forecast, user=member)
    before = snapshot(budget)
    assert refusal(budget_validate, budget=budget, user=agent) == AS_MEMBER
    assert snapshot(budget) == before
    # Returning is not validating: the association corrects it, someone else validates it.
    budget_return(budget=budget, user=agent, comment="Précisez la ligne 613.")
    assert snapshot(budget)[0] == BudgetStatus.RETURNED


def test_an_inactive_membership_does_not_block_budget_validation(forecast, association, agent, member):
    membership = join(agent, association)
    budget = budget_submit(budget=forecast, user=member)
    assert refusal(budget_validate, budget=budget, user=agent) == AS_MEMBER
    membership.is_active = False
    membership.save()
    budget_validate(budget=budget, user=agent)
    assert snapshot(budget)[0] == BudgetStatus.VALIDATED


def test_another_agent_validates_the_budget_the_depositor_may_not(forecast, agent, other_agent):
    budget = budget_submit(budget=forecast, user=agent)
    refusal(budget_validate, budget=budget, user=agent)
    budget_validate(budget=budget, user=other_agent)
    assert snapshot(budget)[0] == BudgetStatus.VALIDATED
    last = budget.history.first()
    assert (last.history_user, last.history_change_reason) == (other_agent, "Validation par le service instructeur")
    assert last.submitted_by == agent  # who deposited it stays on record


def test_in_the_admin_the_budget_member_sees_why_and_a_crafted_post_changes_nothing(client, forecast, association,
                                                                                   agent, member):
    join(agent, association)
    budget = budget_submit(budget=forecast, user=member)
    before = snapshot(budget)
    client.force_login(agent)
    change_url = reverse("admin:budgets_budget_change", args=[budget.pk])
    validate_url = reverse("admin:budgets_budget_validate", args=[budget.pk])
    page = client.get(change_url)
    assert f"Valider le budget — {AS_MEMBER}" in text(page)
    assert validate_url not in page.content.decode()
    response = client.post(validate_url, follow=True)
    assert response.redirect_chain == [(change_url, 302)]
    assert AS_MEMBER in [str(m) for m in response.context["messages"]]
    assert snapshot(budget) == before


# --- Documents ----------------------------------------------------------------------------------------


@pytest.fixture
def expected_document(association):
    return DocumentFactory(convention=ConventionFactory(beneficiary=association, status=Status.ACTIVE),
                           kind=DocumentKind.INSURANCE)


def deposit(document, by):
    return document_upload(document=document, uploaded=upload("attestation.pdf", pdf_bytes()), by=by)


def test_who_uploaded_the_document_may_not_accept_it(expected_document, agent):
    document = deposit(expected_document, agent)
    assert document.uploaded_by == agent
    before = snapshot(document)
    assert refusal(document_accept, document=document, by=agent) == as_depositor("ce justificatif")
    assert snapshot(document) == before and before[0] == DocumentStatus.RECEIVED


def test_a_member_may_not_accept_the_document_but_may_refuse_it(expected_document, association, agent, member):
    join(agent, association)
    document = deposit(expected_document, member)
    before = snapshot(document)
    assert refusal(document_accept, document=document, by=agent) == AS_MEMBER
    assert snapshot(document) == before
    document_reject(document=document, by=agent, reason="Attestation de l'an dernier.")
    assert snapshot(document)[0] == DocumentStatus.REJECTED


def test_an_inactive_membership_does_not_block_acceptance(expected_document, association, agent, member):
    membership = join(agent, association)
    document = deposit(expected_document, member)
    assert refusal(document_accept, document=document, by=agent) == AS_MEMBER
    membership.is_active = False
    membership.save()
    document_accept(document=document, by=agent)
    assert snapshot(document)[0] == DocumentStatus.ACCEPTED


def test_another_agent_accepts_the_document_the_uploader_may_not(expected_document, agent, other_agent):
    document = deposit(expected_document, agent)
    refusal(document_accept, document=document, by=agent)
    document_accept(document=document, by=other_agent)
    assert snapshot(document)[0] == DocumentStatus.ACCEPTED
    last = document.history.first()
    assert (last.history_user, last.history_change_reason, last.uploaded_by) == (other_agent, "Accepté", agent)


def test_in_the_admin_the_document_member_sees_why_and_crafted_posts_change_nothing(client, expected_document,
                                                                                   association, agent, member):
    join(agent, association)
    document = deposit(expected_document, member)
    before = snapshot(document)
    client.force_login(agent)
    change_url = reverse("admin:documents_document_change", args=[document.pk])
    accept_url = reverse("admin:documents_document_accept", args=[document.pk])
    page = client.get(change_url)
    assert f"Accepter la pièce — {AS_MEMBER}" in text(page)
    assert accept_url not in page.content.decode()
    response = client.post(accept_url, follow=True)
    assert AS_MEMBER in [str(m) for m in response.context["messages"]]
    assert snapshot(document) == before
    # The list's bulk action says why for each document it could not accept: on its confirmation
    # page, then once confirmed.
    action = {"action": "accept_selected", "_selected_action": [document.pk]}
    confirmation = client.post(reverse("admin:documents_document_changelist"), action)
    assert AS_MEMBER in text(confirmation)
    response = client.post(reverse("admin:documents_document_changelist"), {**action, "post": "yes"}, follow=True)
    assert f"« {document} » : {AS_MEMBER}" in [str(m) for m in response.context["messages"]]
    assert snapshot(document) == before


# --- Indicators ---------------------------------------------------------------------------------------


@pytest.fixture
def draft_report(association):
    convention = ConventionFactory(beneficiary=association, status=Status.ACTIVE)
    return indicator_report_open(convention=convention, indicator_set=indicator_set_for_tests())


def send(report, by):
    indicator_report_submit(report=report, figures=good_figures(), by=by)
    report.refresh_from_db()
    return report


def test_who_sent_the_indicators_may_not_validate_them(draft_report, agent):
    report = send(draft_report, agent)
    before = snapshot(report)
    assert refusal(indicator_report_validate, report=report, by=agent) == as_depositor("ce rapport d'indicateurs")
    assert snapshot(report) == before and before[0] == ReportStatus.SUBMITTED
    assert report.submissions.get().reviewed_by is None


def test_a_member_may_not_validate_the_indicators_but_may_return_them(draft_report, association, agent, member):
    join(agent, association)
    report = send(draft_report, member)
    before = snapshot(report)
    assert refusal(indicator_report_validate, report=report, by=agent) == AS_MEMBER
    assert snapshot(report) == before
    indicator_report_return(report=report, by=agent, comment="Précisez les tranches d'âge.")
    assert snapshot(report)[0] == ReportStatus.RETURNED


def test_an_inactive_membership_does_not_block_indicator_validation(draft_report, association, agent, member):
    membership = join(agent, association)
    report = send(draft_report, member)
    assert refusal(indicator_report_validate, report=report, by=agent) == AS_MEMBER
    membership.is_active = False
    membership.save()
    indicator_report_validate(report=report, by=agent)
    assert snapshot(report)[0] == ReportStatus.VALIDATED


def test_another_agent_validates_the_indicators_the_sender_may_not(draft_report, agent, other_agent):
    report = send(draft_report, agent)
    refusal(indicator_report_validate, report=report, by=agent)
    indicator_report_validate(report=report, by=other_agent)
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (ReportStatus.VALIDATED, other_agent)
    assert report.submissions.get().reviewed_by == other_agent


def test_in_the_review_page_the_member_sees_why_and_a_crafted_post_changes_nothing(client, draft_report, association,
                                                                                  agent, member):
    join(agent, association)
    report = send(draft_report, member)
    before = snapshot(report)
    client.force_login(agent)
    url = reverse("admin:indicators_indicatorreport_review", args=[report.pk])
    page = client.get(url)
    assert f"Valider le rapport — {AS_MEMBER}" in text(page)
    assert 'value="validate"' not in page.content.decode() and "Renvoyer pour correction" in text(page)
    response = client.post(url, {"action": "validate", "comment": ""})
    assert response.status_code == 200 and AS_MEMBER in text(response)
    assert snapshot(report) == before


# --- Waivers of the association's requirements ----------------------------------------------------------


@pytest.fixture
def in_review(association):
    """An agreement in review whose vote waits only for the objectives of article 1."""
    convention = ConventionFactory(
        beneficiary=association, status=Status.IN_REVIEW, objectives="", deliberation_body=DeliberationBody.BUREAU,
        deliberation_number="DEV 001-2/25/BM", deliberation_date=date(2025, 3, 20))
    budget = balanced_forecast(convention, charges=Decimal("80000"))
    budget.status = BudgetStatus.VALIDATED
    budget.save()
    return convention


def test_a_member_may_not_waive_what_the_association_owes(in_review, association, agent, other_agent):
    join(agent, association)
    before = snapshot(in_review)
    assert refusal(convention_vote, convention=in_review, user=agent, waive=["objectives_written"],
                   waiver_reason="Objectifs annexés à la délibération.") == AS_MEMBER
    assert snapshot(in_review) == before and not RequirementWaiver.objects.exists()
    convention_vote(convention=in_review, user=other_agent, waive=["objectives_written"],
                    waiver_reason="Objectifs annexés à la délibération.")
    assert snapshot(in_review)[0] == Status.VOTED
    assert RequirementWaiver.objects.get().by == other_agent


def test_in_the_admin_a_member_is_not_offered_the_waiver_and_sees_why(client, in_review, association, agent):
    join(agent, association)
    before = snapshot(in_review)
    client.force_login(agent)
    change = text(client.get(reverse("admin:conventions_convention_change", args=[in_review.pk])))
    assert "Voir les conditions et passer outre" not in change
    url = reverse("admin:conventions_convention_transition", args=[in_review.pk, "vote"])
    page = client.get(url)
    assert f"Dérogation impossible : {AS_MEMBER}" in text(page) and 'name="waive"' not in page.content.decode()
    response = client.post(url, {"comment": "Voté", "waive": ["objectives_written"], "waiver_reason": "Urgence"})
    assert response.status_code == 200
    assert snapshot(in_review) == before and not RequirementWaiver.objects.exists()
