"""Each irreversible portal action has its confirmation page: the action's button leads to it, it
says what will happen, and only its « Confirmer » acts (budgets, indicator reports, payments)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import BudgetStatus
from conventions.models import Status
from finance.models import PaymentRequest
from indicators.models import ReportStatus
from indicators.services import indicator_report_open, indicator_report_save
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    add_balanced_lines,
    balanced_forecast,
    indicator_set_for_tests,
)
from tests.indicator_helpers import good_figures, post_data
from tests.portal_confirm import confirm
from tests.test_budget_portal import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MembershipFactory().user


def login(client, user):
    client.force_login(user)
    return client


# --- The forecast budget ------------------------------------------------------------------


@pytest.fixture
def forecast(member):
    convention = ConventionFactory(beneficiary=member.memberships.get().beneficiary, status=Status.DRAFT,
                                   fiscal_year=2027, amount_granted=Decimal("10000"))
    return add_balanced_lines(BudgetFactory(convention=convention))


def test_the_budget_confirmation_says_what_will_happen(client, member, forecast):
    page = login(client, member).get(reverse("portal_budgets:forecast_submit", args=[forecast.convention_id]))
    text = page.content.decode()
    assert "Vous allez déposer le budget prévisionnel 2027" in text
    assert "Vous ne pourrez plus le modifier" in text and "Revenir sans rien envoyer" in text
    assert f'name="version" value="{forecast.version}"' in text
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT


def test_the_form_s_deposit_button_saves_the_draft_and_leads_to_the_confirmation(client, member, forecast):
    url = reverse("portal_budgets:forecast", args=[forecast.convention_id])
    response = login(client, member).get(url)
    data = form_data(response, action="submit")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_budgets:forecast_submit", args=[forecast.convention_id])
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT  # saved, not deposited


def test_a_post_without_the_confirmation_deposits_nothing(client, member, forecast):
    url = reverse("portal_budgets:forecast_submit", args=[forecast.convention_id])
    response = login(client, member).post(url, {"version": forecast.version})
    assert response.status_code == 302 and response["Location"] == url
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT


def test_the_confirmation_deposits_and_a_stale_one_is_refused(client, member, forecast):
    url = reverse("portal_budgets:forecast_submit", args=[forecast.convention_id])
    login(client, member)
    response = client.post(url, {"version": forecast.version - 1, "confirm": "1"}, follow=True)
    assert "modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT
    response = confirm(client, client.get(url))
    assert "Le budget est déposé." in response.content.decode()
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.SUBMITTED


# --- The indicator report -----------------------------------------------------------------


@pytest.fixture
def report(member):
    convention = ConventionFactory(beneficiary=member.memberships.get().beneficiary, status=Status.ACTIVE,
                                   fiscal_year=2025)
    return indicator_report_open(convention=convention, indicator_set=indicator_set_for_tests(year=2025))


def test_transmitting_the_report_saves_it_then_asks_for_confirmation(client, member, report):
    form_url = reverse("portal_indicators:report_form", args=[report.convention_id, 2025])
    data = post_data(good_figures(), report.indicator_set.definitions.all())
    response = login(client, member).post(form_url, {**data, "submit": ""}, follow=True)
    text = response.content.decode()
    assert "Vous allez transmettre le rapport d'indicateurs 2025" in text
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.values.get(definition__code="personnes").total == 10


def test_the_report_is_sent_only_with_the_confirmation(client, member, report):
    indicator_report_save(report=report, figures=good_figures(), by=member)
    url = reverse("portal_indicators:report_submit", args=[report.convention_id, 2025])
    login(client, member).post(url, {})
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    response = client.post(url, {"confirm": "1"}, follow=True)
    assert "Votre rapport a été transmis à la Métropole" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submissions.count() == 1


# --- The payment request ------------------------------------------------------------------


@pytest.fixture
def active(member):
    convention = ConventionFactory(beneficiary=member.memberships.get().beneficiary, status=Status.ACTIVE,
                                   amount_granted=Decimal("30000"))
    balanced_forecast(convention, charges=Decimal("96000"))
    return convention


def test_a_payment_request_is_confirmed_before_it_is_made(client, member, active):
    url = reverse("portal_conventions:payments", args=[active.pk])
    data = {"kind": "advance", "certified_by_name": "Nadia BENALI", "certified_by_quality": "Trésorière",
            "certify": "on"}
    response = login(client, member).post(url, data)
    text = response.content.decode()
    assert "Vous allez demander l&#x27;acompte de la convention" in text and "24\u202f000\u00a0€" in text
    assert "Nadia BENALI (Trésorière)" in text and "Confirmer la demande" in text
    assert not PaymentRequest.objects.exists()  # a POST without the confirmation requests nothing
    response = confirm(client, response)
    assert "Votre demande a été déposée" in response.content.decode()
    payment = PaymentRequest.objects.get()
    assert payment.amount == Decimal("24000.00") and payment.certified_by_name == "Nadia BENALI"
