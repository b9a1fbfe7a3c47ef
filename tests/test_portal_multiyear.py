"""A multi-year agreement in the association's portal, year by year (issue 16 item 6): the agreement's
page lists each year's amount in force, vote, budgets, payments, indicator report and documents;
the budget pages take the year (« ?annee=2026 »), answer 404 outside the agreement's years, and
submit that year's budget through the budget services; one-year agreements keep their addresses."""

import html
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.services import budget_get_or_create, budget_portal_path
from conventions.models import Amendment, AmendmentStatus, Convention, DeliberationBody, Status
from conventions.services import convention_tranches_save, tranche_vote
from core.roles import AGENT
from documents.models import DocumentKind, DocumentStatus
from finance.models import PaymentKind, PaymentStatus
from indicators.models import ReportStatus
from tests.factories import (
    BudgetLineFactory,
    ConventionFactory,
    DocumentFactory,
    IndicatorReportFactory,
    MembershipFactory,
    PaymentRequestFactory,
    UserFactory,
    staff_user,
)
from tests.portal_confirm import confirm
from tests.test_budget_portal import field_name, form_data

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"


def euros(text: str) -> str:
    """« 40 000 € » as the pages print it (narrow no-break space between thousands, no-break before €)."""
    return text.replace(" ", NNBSP).replace(NNBSP + "€", NBSP + "€")


def vote_of(year, number):
    return dict(deliberation_body=DeliberationBody.COUNCIL, deliberation_number=number,
                deliberation_date=date(year, 3, 27))


def yearly_agreement(beneficiary=None, years=((2025, "40000"), (2026, "42000"), (2027, "42000")), voted=2):
    """A signed multi-year agreement 2025-2027; its first ``voted`` years voted."""
    extra = {"beneficiary": beneficiary} if beneficiary else {}
    last = years[-1][0]
    convention = ConventionFactory(is_multiannual=True, fiscal_year=2025, period_start=date(2025, 1, 1),
                                   period_end=date(last, 12, 31), amount_granted=None,
                                   title="Entraide dans les quartiers Est", **extra)
    convention_tranches_save(convention=convention, rows=[
        {"year": year, "amount": D(amount), **(vote_of(year, f"SOC {year}-0001/CM") if i < voted else {})}
        for i, (year, amount) in enumerate(years)])
    Convention.objects.filter(pk=convention.pk).update(status=Status.ACTIVE)
    convention.refresh_from_db()
    agent = staff_user("agent-portail-annees", AGENT)
    for tranche in convention.tranches.order_by("year")[:voted]:
        tranche_vote(tranche=tranche, user=agent)
    return convention


def yearly_forecast(convention, year, amount, charges="150000", status=BudgetStatus.DRAFT):
    """A balanced forecast of ``year``: its granting line is that year's amount."""
    budget = budget_get_or_create(convention=convention, year=year)
    BudgetLineFactory(budget=budget, code="641", label="Salaires", amount=D(charges))
    BudgetLineFactory(budget=budget, code="744", label="Métropole", amount=D(amount), is_granting_funder=True,
                      funding_status="obtained")
    BudgetLineFactory(budget=budget, code="756", label="Cotisations", amount=D(charges) - D(amount))
    Budget.objects.filter(pk=budget.pk).update(status=status)
    return budget


@pytest.fixture
def member():
    return UserFactory(username="reqe-tresoriere")


@pytest.fixture
def agreement(member):
    convention = yearly_agreement()
    MembershipFactory(user=member, beneficiary=convention.beneficiary)
    return convention


@pytest.fixture
def client_member(client, member):
    client.force_login(member)
    return client


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def budget_url(name, convention, year=None, *args):
    path = reverse(f"portal_budgets:{name}", args=[convention.pk, *args])
    return f"{path}?annee={year}" if year else path


# --- The agreement's page ------------------------------------------------------------------------


def test_the_agreement_page_lists_each_year_with_its_amount_in_force_and_its_vote(client_member, agreement):
    Amendment.objects.create(convention=agreement, number=1, subject="Hausse 2026", text="…",
                             tranche=agreement.tranches.get(year=2026), amount_change=D("3000"),
                             status=AmendmentStatus.SIGNED)
    page = page_of(client_member.get(reverse("portal_conventions:detail", args=[agreement.pk])))
    rows = page.split('<th scope="row" data-label="Année">')[1:]
    assert [row[:4] for row in rows] == ["2025", "2026", "2027"]
    assert euros("40 000 €") in rows[0] and "Voté par la délibération n° SOC 2025-0001/CM" in rows[0]
    assert euros("45 000 €") in rows[1]  # 42 000 € voted, plus the signed amendment of that year
    assert "Voté par la délibération n° SOC 2026-0001/CM" in rows[1]
    assert "À voter" in rows[2]
    assert euros("127 000 €") + ", somme des années" in page


def test_each_year_shows_its_budgets_payments_indicator_report_and_documents(client_member, agreement):
    yearly_forecast(agreement, 2025, "40000", status=BudgetStatus.VALIDATED)
    yearly_forecast(agreement, 2026, "42000", status=BudgetStatus.SUBMITTED)
    first = agreement.tranches.get(year=2025)
    PaymentRequestFactory(convention=agreement, tranche=first, kind=PaymentKind.ADVANCE, amount=D("32000"),
                          status=PaymentStatus.PAID)
    IndicatorReportFactory(convention=agreement, year=2025, status=ReportStatus.SUBMITTED)
    DocumentFactory(convention=agreement, kind=DocumentKind.ACTIVITY_REPORT, year=2025, status=DocumentStatus.RECEIVED)
    DocumentFactory(convention=agreement, kind=DocumentKind.ANNUAL_ACCOUNTS, year=2025)
    page = page_of(client_member.get(reverse("portal_conventions:detail", args=[agreement.pk])))
    y2025, y2026, y2027 = page.split('<th scope="row" data-label="Année">')[1:]
    assert "Prévisionnel 2025</a> : validé" in y2025 and "Réalisé 2025</a> : pas encore établi" in y2025
    assert f"Avance : mandatée ({euros('32 000 €')})" in y2025 and "Solde : non demandé" in y2025
    assert f"Versé {euros('32 000 €')} · reste {euros('8 000 €')}" in y2025  # 40 000 € − 32 000 €
    assert "Rapport 2025</a> : transmis" in y2025 and "1 déposé sur 2" in y2025
    assert "Prévisionnel 2026</a> : déposé" in y2026 and "Avance : non demandée" in y2026
    assert f"Versé 0{NBSP}€ · reste {euros('42 000 €')}" in y2026 and "pas encore ouvert" in y2026
    assert "Prévisionnel 2027</a> : pas encore commencé" in y2027 and "aucun attendu" in y2027
    assert f'href="{budget_url("forecast", agreement, 2026)}"' in page


def test_a_one_year_agreement_page_has_no_yearly_table(client, member):
    convention = ConventionFactory(beneficiary=MembershipFactory(user=member).beneficiary, amount_granted=D("18000"))
    client.force_login(member)
    page = page_of(client.get(reverse("portal_conventions:detail", args=[convention.pk])))
    assert "Année par année" not in page and euros("18 000 €") in page
    assert reverse("portal_budgets:overview", args=[convention.pk]) in page


def test_the_home_page_links_each_agreement_to_its_page(client_member, agreement):
    page = page_of(client_member.get(reverse("portal:home")))
    assert f'href="{reverse("portal_conventions:detail", args=[agreement.pk])}"' in page


def test_the_agreement_page_reads_a_fixed_number_of_queries_whatever_its_years(client, member):
    beneficiary = MembershipFactory(user=member).beneficiary
    two = yearly_agreement(beneficiary, years=((2025, "40000"), (2026, "42000")), voted=1)
    four = yearly_agreement(beneficiary, years=((2025, "1"), (2026, "2"), (2027, "3"), (2028, "4")), voted=3)
    client.force_login(member)

    def count(convention):
        for tranche in convention.tranches.all():
            PaymentRequestFactory(convention=convention, tranche=tranche, amount=D("1"), status=PaymentStatus.PAID)
            yearly_forecast(convention, tranche.year, "1", charges="10")
        client.get(reverse("portal_conventions:detail", args=[convention.pk]))  # the session settles
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal_conventions:detail", args=[convention.pk])).status_code == 200
        return len(queries)

    assert count(two) == count(four)


# --- The budgets, year by year --------------------------------------------------------------------


def test_the_overview_offers_each_years_forecast_and_actual_budget(client_member, agreement):
    yearly_forecast(agreement, 2025, "40000", status=BudgetStatus.VALIDATED)
    page = page_of(client_member.get(budget_url("overview", agreement)))
    for year in (2025, 2026, 2027):
        assert f"Année {year}" in page
        assert f'href="{budget_url("forecast", agreement, year)}"' in page
        assert f'href="{budget_url("actual", agreement, year)}"' in page
    assert "Consulter le budget prévisionnel 2025" in page and "Remplir le budget prévisionnel 2026" in page
    assert f"montant de l'année {euros('42 000 €')}" in page


def test_a_years_forecast_is_filled_and_submitted_for_that_year_only(client_member, agreement):
    first = yearly_forecast(agreement, 2025, "40000", status=BudgetStatus.VALIDATED)
    second = yearly_forecast(agreement, 2026, "42000")
    response = client_member.get(budget_url("forecast", agreement, 2026))
    page = page_of(response)
    assert "Budget prévisionnel 2026" in page and f"montant de l'année {euros('42 000 €')}" in page
    assert response.context["budget"] == second
    assert response.context["share"] == D("0.28")  # 42 000 € of 150 000 €: the year's share, not the total's
    response = client_member.post(budget_url("forecast", agreement, 2026), form_data(response, action="submit"),
                                  follow=True)
    assert "Vous allez déposer le budget prévisionnel 2026" in page_of(response)
    response = confirm(client_member, response)
    assert "Le budget est déposé." in page_of(response)
    assert response.redirect_chain[-1][0] == budget_url("forecast", agreement, 2026)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.submitted_by) == (BudgetStatus.SUBMITTED, response.wsgi_request.user)
    assert first.status == BudgetStatus.VALIDATED


def test_a_later_years_forecast_is_started_from_the_portal_with_its_year(client_member, agreement):
    response = client_member.get(budget_url("forecast", agreement, 2027))
    assert response.context["budget"] is None and response.context["editable"]
    data = form_data(response, **{field_name(response, "641", "Rémunération des personnels"): "1000"})
    response = client_member.post(budget_url("forecast", agreement, 2027), data)
    assert response["Location"] == budget_url("forecast", agreement, 2027)
    assert list(Budget.objects.filter(convention=agreement).values_list("kind", "year")) == [
        (BudgetKind.FORECAST, 2027)]
    assert Budget.objects.get(convention=agreement).lines.get(code="641").amount == D("1000")


def test_the_first_years_forecast_is_annex_i_once_signed_a_later_years_stays_editable(client_member, agreement):
    yearly_forecast(agreement, 2025, "40000")
    yearly_forecast(agreement, 2026, "42000")
    first = page_of(client_member.get(budget_url("forecast", agreement, 2025)))
    assert "ce budget prévisionnel en est l'annexe I" in first and "Déposer le budget" not in first
    second = page_of(client_member.get(budget_url("forecast", agreement, 2026)))
    assert "annexe I" not in second and "Déposer le budget" in second


def test_the_actual_budget_of_a_year_is_created_from_that_years_forecast(client_member, agreement):
    yearly_forecast(agreement, 2025, "40000", charges="150000", status=BudgetStatus.VALIDATED)
    yearly_forecast(agreement, 2026, "42000", charges="156000", status=BudgetStatus.VALIDATED)
    page = page_of(client_member.get(budget_url("actual", agreement, 2026)))
    assert "Créer le compte rendu financier 2026" in page
    assert f'action="{reverse("portal_budgets:actual_create", args=[agreement.pk])}?annee=2026"' in page
    response = client_member.post(reverse("portal_budgets:actual_create", args=[agreement.pk]) + "?annee=2026")
    assert response["Location"] == budget_url("actual", agreement, 2026)
    actual = Budget.objects.get(convention=agreement, kind=BudgetKind.ACTUAL)
    assert actual.year == 2026 and actual.lines.count() == 3
    # The variances compare 2026 with 2026: the salaries forecast is 156 000 €, not 2025's added in.
    response = client_member.get(budget_url("actual", agreement, 2026))
    salaries = next(line for line in response.context["variances"].lines if line.code == "641")
    assert (salaries.forecast, salaries.actual) == (D("156000.00"), D("0.00"))
    response = client_member.post(reverse("portal_budgets:actual_create", args=[agreement.pk]) + "?annee=2026",
                                  follow=True)
    assert "Le compte rendu financier 2026 de cette convention existe déjà." in page_of(response)
    assert Budget.objects.filter(convention=agreement, kind=BudgetKind.ACTUAL).count() == 1


@pytest.mark.parametrize("year", ["2024", "2028", "abc", "", "２０２６", "20260"])
def test_a_year_outside_the_agreement_answers_404_and_creates_nothing(client_member, agreement, year):
    for name in ("forecast", "forecast_import", "actual", "actual_import"):
        path = reverse(f"portal_budgets:{name}", args=[agreement.pk]) + f"?annee={year}"
        assert client_member.get(path).status_code == 404, (name, year)
        assert client_member.post(path, {"action": "save", "version": "0"}).status_code == 404, (name, year)
    assert client_member.post(reverse("portal_budgets:actual_create", args=[agreement.pk])
                              + f"?annee={year}").status_code == 404
    assert not Budget.objects.filter(convention=agreement).exists()


def test_a_one_year_agreement_keeps_its_addresses_and_refuses_another_year(client, member):
    convention = ConventionFactory(beneficiary=MembershipFactory(user=member).beneficiary, fiscal_year=2025)
    client.force_login(member)
    assert client.get(budget_url("forecast", convention)).status_code == 200
    assert client.get(budget_url("forecast", convention, 2025)).status_code == 200  # its only year
    assert client.get(budget_url("forecast", convention, 2026)).status_code == 404
    assert "Année 2025" not in page_of(client.get(budget_url("overview", convention)))


def test_the_link_sent_about_a_yearly_budget_opens_that_year(agreement):
    budget = yearly_forecast(agreement, 2026, "42000")
    assert budget_portal_path(budget) == budget_url("forecast", agreement, 2026)


# --- Tenant isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["forecast", "forecast_import", "actual", "actual_create", "actual_import"])
def test_another_associations_year_answers_404_and_saves_nothing(client, agreement, name):
    yearly_forecast(agreement, 2026, "42000")
    stranger = MembershipFactory(beneficiary=ConventionFactory().beneficiary).user
    client.force_login(stranger)
    path = reverse(f"portal_budgets:{name}", args=[agreement.pk]) + "?annee=2026"
    if name != "actual_create":
        assert client.get(path).status_code == 404
    assert client.post(path, {"action": "submit", "version": "1"}).status_code == 404
    assert list(Budget.objects.filter(convention=agreement).values_list("kind", "year", "status")) == [
        (BudgetKind.FORECAST, 2026, BudgetStatus.DRAFT)]


def test_another_associations_agreement_page_answers_404(client, agreement):
    client.force_login(MembershipFactory(beneficiary=ConventionFactory().beneficiary).user)
    assert client.get(reverse("portal_conventions:detail", args=[agreement.pk])).status_code == 404
    assert client.get(budget_url("overview", agreement)).status_code == 404


def test_the_home_page_asks_for_a_years_budget_and_documents_by_their_year(client_member, agreement):
    yearly_forecast(agreement, 2026, "42000")
    DocumentFactory(convention=agreement, kind=DocumentKind.ANNUAL_ACCOUNTS, year=2025)
    DocumentFactory(convention=agreement, kind=DocumentKind.ANNUAL_ACCOUNTS, year=2026)
    page = page_of(client_member.get(reverse("portal:home")))
    assert "Comptes annuels 2025" in page and "Comptes annuels 2026" in page
    assert f'href="{budget_url("forecast", agreement, 2026)}">Budget prévisionnel 2026' in page


def test_a_years_budget_is_exported_with_that_years_lines_and_its_year_in_the_file_name(client_member, agreement):
    yearly_forecast(agreement, 2025, "40000", charges="150000")
    yearly_forecast(agreement, 2026, "42000", charges="156000")
    response = client_member.get(reverse("portal_budgets:forecast_export", args=[agreement.pk, "csv"]) + "?annee=2026")
    assert response.status_code == 200
    assert f"budget-previsionnel-{agreement.reference.lower()}-2026.csv" in response["Content-Disposition"].lower()
    content = response.content.decode("utf-8-sig").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    assert "156000" in content and "150000" not in content  # 2026's salaries, not 2025's


# --- The staff's comparison of forecast and actual, year by year ---------------------------------


def charges_total_row(page: str) -> str:
    return page.split("Total des charges (hors contributions en nature)")[1].split("</tr>")[0]


def test_the_admin_comparison_of_a_multi_year_agreement_compares_one_year_not_the_years_added(agreement):
    from django.test import Client

    yearly_forecast(agreement, 2025, "40000", charges="150000")
    yearly_forecast(agreement, 2026, "42000", charges="90000")
    client = Client()
    client.force_login(staff_user("agent-compare-annees", AGENT))
    url = reverse("admin:budgets_budget_compare", args=[agreement.pk])
    first = page_of(client.get(url))  # by default its first year, never the years added (240 000 €)
    assert euros("150 000 €") in charges_total_row(first) and "240" not in charges_total_row(first)
    second = page_of(client.get(url + "?annee=2026"))
    assert "— 2026" in second and euros("90 000 €") in charges_total_row(second)
    assert client.get(url + "?annee=2031").status_code == 404
    assert client.get(url + "?annee=20x6").status_code == 404
