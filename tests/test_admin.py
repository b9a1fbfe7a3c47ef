"""Every admin page the agent works in answers, in French, with a query count that stays flat."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetLine
from conventions.models import Convention
from tests.factories import BudgetLineFactory, IndicatorReportFactory

DOMAIN_APPS = {"conventions", "beneficiaries", "budgets", "indicators", "documents", "finance", "compliance"}
DOMAIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS),
    key=lambda m: m._meta.label,
)


def count_queries(client, url):
    client.get(url)  # warm the per-process caches (content types), so only growth with rows is measured
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response


def add_rows(n):
    """Add ``n`` agreements, each with budget lines and an indicator report."""
    for _ in range(n):
        line = BudgetLineFactory(code="641")
        BudgetLineFactory(budget=line.budget, code="744")
        IndicatorReportFactory(convention=line.budget.convention)


# Pinned numbers: a change that adds a query to a page must update this table knowingly.
CHANGELIST_QUERIES = {
    "beneficiaries.Beneficiary": 9,
    "beneficiaries.Invitation": 9,
    "beneficiaries.Membership": 9,
    "budgets.Budget": 10,
    "conventions.Amendment": 9,
    "conventions.ClauseTemplate": 10,
    "conventions.Convention": 11,
    "documents.Document": 9,
    "documents.VaultPaper": 9,
    "conventions.Funder": 9,
    # + the schedules of the listed agreements (« reste à verser » column); the demo lists a request of a
    # multi-year agreement: + its years, their amounts, payments, budgets (twice: agreement and year schedules)
    "finance.PaymentRequest": 26,
    "finance.Recovery": 9,
    "indicators.IndicatorDefinition": 10,
    "indicators.IndicatorReport": 10,
    "indicators.IndicatorSet": 10,
}


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m._meta.label)
def test_changelist_answers_with_a_flat_query_count(agent_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    before, response = count_queries(agent_client, url)
    assert "Sélectionnez" in response.content.decode()  # French admin
    add_rows(15)
    after, _ = count_queries(agent_client, url)
    assert after == before, f"{model._meta.label}: {before} queries, then {after} with 15 more agreements"
    assert before == CHANGELIST_QUERIES[model._meta.label]


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m._meta.label)
def test_change_page_answers_for_the_agent(agent_client, model):
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the demo data has no {model._meta.label}"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    response = agent_client.get(url)
    assert response.status_code == 200


def test_convention_change_page_query_count_does_not_grow_with_budget_lines(agent_client, seed_convention):
    url = reverse("admin:conventions_convention_change", args=[seed_convention.pk])
    before, response = count_queries(agent_client, url)
    page = response.content.decode()
    assert "954\u202f123\u00a0€" in page and "6,92\u00a0%" in page and "5,67\u00a0%" in page
    assert "Budget déséquilibré" in page
    budget = seed_convention.budgets.get()
    for i in range(20):
        BudgetLine.objects.create(budget=budget, code="606", label=f"Ajout {i}", amount=Decimal("1"))
    after, _ = count_queries(agent_client, url)
    assert after == before


def test_budget_change_page_query_count_does_not_grow_with_lines(agent_client, seed_convention):
    budget = Budget.objects.get(convention=seed_convention)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    agent_client.get(url)  # warm Django's content-type cache, which a first page fills with one more query
    before, response = count_queries(agent_client, url)
    assert "Charges</strong> 954\u202f123\u00a0€" in response.content.decode()
    for i in range(20):
        BudgetLine.objects.create(budget=budget, code="606", label=f"Ajout {i}", amount=Decimal("1"))
    after, _ = count_queries(agent_client, url)
    assert after == before


def test_convention_list_shows_totals_and_shares(agent_client, seed_convention):
    response = agent_client.get(reverse("admin:conventions_convention_changelist"))
    page = response.content.decode()
    assert "Part hors nature" in page
    assert "953\u202f330\u00a0€" in page and "6,92\u00a0%" in page


def test_convention_list_and_page_show_the_amount_in_force(agent_client, amended_agreement):
    page = agent_client.get(reverse("admin:conventions_convention_changelist")).content.decode()
    row = next(r for r in page.split("<tr") if "AMP-2026-CULT-PIM" in r)
    assert '<td class="field-granted">50\u202f000\u00a0€</td>' in row  # 45 000 + 5 000 signed; the draft n° 2 aside
    assert "27,78\u00a0%" in row  # of the 180 000 € of forecast charges
    page = agent_client.get(reverse("admin:conventions_convention_change", args=[amended_agreement.pk])).content.decode()
    assert "<tr><th>Montant en vigueur (avenants signés compris)</th><td>50\u202f000\u00a0€</td></tr>" in page


@pytest.mark.parametrize(
    "query, expected",
    [("SCS", "AMP-2023-DEVECO-SCS"), ("51990012300018", "AMP-2023-DEVECO-SCS"), ("AMP-2024", "AMP-2024-ESS-MES")],
)
def test_convention_search_by_reference_name_or_siret(agent_client, query, expected):
    response = agent_client.get(reverse("admin:conventions_convention_changelist"), {"q": query})
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    "param, shown, hidden",
    [
        ("fiscal_year__exact=2023", "AMP-2023-DEVECO-SCS", "AMP-2025-ENV-JPH"),
        ("status__exact=active", "AMP-2025-ENV-JPH", "AMP-2023-DEVECO-SCS"),
        ("status__exact=closed", "AMP-2024-ESS-MES", "AMP-2025-ENV-JPH"),
        ("kind__exact=specific", None, "AMP-2023-DEVECO-SCS"),
    ],
)
def test_convention_list_filters(agent_client, param, shown, hidden):
    response = agent_client.get(reverse("admin:conventions_convention_changelist") + "?" + param)
    page = response.content.decode()
    assert response.status_code == 200
    assert shown is None or shown in page
    assert hidden not in page


def _beneficiary_post_data(**overrides):
    data = {
        "name": "Nouvelle association", "acronym": "", "legal_form": "Association loi 1901",
        "siret": "73282932000074", "rna": "W751234567", "address": "3, rue Neuve", "postal_code": "13001",
        "city": "Marseille", "email": "", "phone": "", "representative_civility": "Mme",
        "representative_title": "Présidente", "representative_name": "Inès PETIT", "fiscal_year_end_month": "12",
        "iban": "", "bic": "", "bank_name": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("siret", "73282932000075", "Le numéro SIRET « 73282932000075 » est invalide"),
        ("rna", "W12345", "Le numéro RNA « W12345 » est invalide"),
        ("iban", "FR7630004000031234567890144", "est invalide : vérifiez sa saisie"),
    ],
)
def test_admin_refuses_invalid_identifiers_with_a_french_message(agent_client, field, value, message):
    count = Beneficiary.objects.count()
    response = agent_client.post(
        reverse("admin:beneficiaries_beneficiary_add"), _beneficiary_post_data(**{field: value})
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in errors[field][0]
    assert Beneficiary.objects.count() == count


def test_admin_accepts_a_valid_association(agent_client):
    response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"), _beneficiary_post_data())
    assert response.status_code == 302
    assert Beneficiary.objects.filter(siret="73282932000074").exists()


def _convention_post_data(convention, **overrides):
    data = {
        "reference": convention.reference, "kind": convention.kind, "funder": convention.funder_id,
        "beneficiary": convention.beneficiary_id, "fiscal_year": convention.fiscal_year,
        "period_start": "01/01/2023", "period_end": "31/12/2023", "title": convention.title,
        "action_title": "", "amount_granted": "66000,00", "advance_cap_percent": "80",
        "deliberation_body": "bureau", "deliberation_number": "", "deliberation_date": "",
        "preamble": "", "objectives": "", "programme_summary": "", "action_programme": "",
        "non_financial_contributions": "", "beneficiary_signatory": "", "beneficiary_signed_on": "",
        "funder_signatory": "", "funder_signed_on": "", "notified_on": "", "stated_share_percent": "",
        "stated_eligible_expenses": "",
        # The version the page was opened at (a post without it is refused as stale).
        "seen_version": type(convention).objects.values_list("version", flat=True).get(pk=convention.pk),
    }
    for prefix in ("budgets", "amendments", "payment_requests", "documents", "indicator_reports", "status_changes",
                   "notifications", "clauses"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("amount_granted", "-1,00", "Le montant ne peut pas être négatif."),
        ("advance_cap_percent", "120", "Le pourcentage doit être compris entre 0 et 100."),
        ("advance_cap_percent", "-5", "Le pourcentage doit être compris entre 0 et 100."),
        ("period_end", "31/12/2022", "La fin de la période ne peut pas précéder son début."),
    ],
)
def test_admin_refuses_bad_agreement_values_and_saves_nothing(agent_client, field, value, message):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    response = agent_client.post(url, _convention_post_data(convention, **{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors[field][0]
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("32000.00")
    assert convention.advance_cap_percent == Decimal("80.00")


@pytest.mark.parametrize("url_name", [
    "admin:conventions_convention_changelist", "admin:indicators_indicatorreport_changelist",
    "admin:indicators_indicatorset_changelist", "admin:budgets_budget_changelist",
])
def test_admin_lists_show_years_as_written_not_as_numbers(agent_client, url_name):
    page = agent_client.get(reverse(url_name)).content.decode()
    assert ">2026<" in page or ">2025<" in page or ">2023<" in page
    assert not re.search(r">2\s0\d\d<", page)  # « 2 026 » with any space


def test_an_empty_list_says_why_and_how_to_see_everything(client, demo):
    from finance.models import PaymentRequest, PaymentStatus

    client.login(username="finance", password="demo")
    assert not PaymentRequest.objects.filter(status__in=[PaymentStatus.STAFF_APPROVED, PaymentStatus.FINANCE_APPROVED])
    page = client.get(reverse("admin:finance_paymentrequest_changelist") + "?a_traiter=finances").content.decode()
    assert "Aucun élément ne correspond à ces filtres ou à cette recherche" in page
    assert "Effacer les filtres et la recherche" in page
