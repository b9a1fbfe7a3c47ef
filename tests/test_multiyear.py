"""Multi-year agreements (issue 16 item 6): yearly tranches, each with its amount, vote, payments,
budget, documents and report; the schedule in the PDF; one SCDL row per voted year."""

import html
import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.services import budget_get_or_create
from compliance.dashboard import money_by_year_and_state
from compliance.opendata import scdl_export, write_scdl_csv
from conventions.amounts import amounts_by_year, effective_tranche_amount, yearly_schedule
from conventions.models import (
    Amendment,
    AmendmentStatus,
    Convention,
    DeliberationBody,
    Status,
    Tranche,
)
from conventions.services import convention_tranches_save, tranche_vote, tranche_vote_refusal
from conventions.tranches import schedule_refusals, tranches_total
from demo.demo import MULTIYEAR_REFERENCE, SEED_REFERENCE
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import expected_documents
from dossier.printing.agreement import agreement_pdf_render
from finance import rules as payments
from finance.models import PaymentKind, PaymentRequest, PaymentStatus
from finance.services import payment_request_create
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    MembershipFactory,
    PaymentRequestFactory,
    UserFactory,
    staff_user,
)
from tests.pdf_helpers import pdf_text
from tests.test_opendata import rows_of, validate

VOTE_2025 = dict(deliberation_body=DeliberationBody.COUNCIL, deliberation_number="SOC 001-0001/25/CM",
                 deliberation_date=date(2025, 3, 27))


def multiyear(**kwargs):
    defaults = dict(is_multiannual=True, fiscal_year=2025, period_start=date(2025, 1, 1),
                    period_end=date(2027, 12, 31), amount_granted=None)
    return ConventionFactory(**{**defaults, **kwargs})


def rows(*specs):
    return [{"year": year, "amount": None if amount is None else D(amount), **extra} for year, amount, extra in specs]


def agent():
    from core.roles import AGENT

    return staff_user("agent-multiyear", AGENT)


# --- The schedule's rules (conventions.tranches) -----------------------------------------------


def test_the_total_of_a_multiyear_agreement_is_the_sum_of_its_years_an_unknown_year_left_out():
    assert tranches_total([D("40000"), D("42000"), None]) == D("82000.00")
    assert tranches_total([None, None]) is None


@pytest.mark.django_db
@pytest.mark.parametrize("years, message", [
    ([2025, 2028], "hors de la période"),
    ([2025, 2025], "Une seule tranche par année"),
    ([2025, 2026, 2027, 2027, 2026], "au plus 4 tranches"),
])
def test_a_schedule_outside_the_period_with_a_year_twice_or_a_fifth_year_is_refused(years, message):
    refusals = schedule_refusals(multiyear(), years)
    assert any(message in refusal for refusal in refusals), refusals


@pytest.mark.django_db
def test_a_one_year_agreement_has_no_tranches_and_a_period_over_four_years_is_refused():
    assert "Une convention annuelle n'a pas de tranches" in schedule_refusals(ConventionFactory(), [2025])[0]
    convention = multiyear(period_end=date(2029, 12, 31))
    with pytest.raises(ValidationError, match="au plus 4 ans"):
        convention.full_clean()


# --- Services: saving the schedule, voting a year -------------------------------------------------


@pytest.mark.django_db
def test_saving_the_schedule_writes_its_sum_as_the_amount_granted():
    convention = multiyear()
    convention_tranches_save(convention=convention, rows=rows((2025, "40000", {}), (2026, "42000", {}),
                                                              (2027, None, {})))
    convention.refresh_from_db()
    assert convention.amount_granted == D("82000.00")
    assert list(convention.tranches.values_list("year", flat=True)) == [2025, 2026, 2027]
    assert "hors 1 montant(s) non renseigné(s)" in yearly_schedule(convention).total_shown


@pytest.mark.django_db
def test_a_refused_schedule_saves_nothing():
    convention = multiyear()
    with pytest.raises(ValidationError, match="Une seule tranche par année"):
        convention_tranches_save(convention=convention, rows=rows((2025, "40000", {}), (2025, "1000", {})))
    assert not Tranche.objects.filter(convention=convention).exists()
    convention.refresh_from_db()
    assert convention.amount_granted is None


@pytest.mark.django_db
def test_a_voted_year_keeps_its_amount_unless_an_amendment_changes_it():
    user = agent()
    convention = multiyear()
    convention_tranches_save(convention=convention, rows=rows((2025, "40000", VOTE_2025), (2026, "42000", {})))
    Convention.objects.filter(pk=convention.pk).update(status=Status.ACTIVE)
    first = convention.tranches.get(year=2025)
    tranche_vote(tranche=first, user=user)
    with pytest.raises(ValidationError, match="ne peut être modifié que par un avenant"):
        convention_tranches_save(convention=convention, rows=[{"tranche": first, "year": 2025, "amount": D("45000")}])
    first.refresh_from_db()
    assert first.amount == D("40000.00")
    with pytest.raises(ValidationError, match="déjà enregistré"):
        tranche_vote(tranche=first, user=user)
    Amendment.objects.create(convention=convention, number=1, subject="Hausse 2025", text="…", tranche=first,
                             amount_change=D("5000"), status=AmendmentStatus.SIGNED)
    assert effective_tranche_amount(first) == D("45000.00")
    assert effective_tranche_amount(convention.tranches.get(year=2026)) == D("42000.00")


@pytest.mark.django_db
def test_a_year_with_a_placeholder_deliberation_cannot_be_voted():
    convention = multiyear(status=Status.ACTIVE)
    Tranche.objects.create(convention=convention, year=2026, amount=D("42000"), deliberation_body="council",
                           deliberation_number="2026/....", deliberation_year=2026)
    with pytest.raises(ValidationError, match="numéro provisoire"):
        tranche_vote(tranche=convention.tranches.get(), user=agent())
    assert convention.tranches.get().voted_at is None


@pytest.mark.django_db
def test_an_amendment_of_a_multiyear_agreement_names_its_year():
    convention = multiyear()
    amendment = Amendment(convention=convention, number=1, subject="Hausse", text="…", amount_change=D("1000"))
    with pytest.raises(ValidationError, match="indiquez l'année"):
        amendment.full_clean()


# --- The agreement's vote is its first year's (dossier.actions.convention_vote) ----------------------


def multiyear_ready_to_vote(first_year_amount="40000", **first_year):
    from budgets.services import budget_validate
    from tests.test_requirements import in_review

    user = agent()
    convention, budget = in_review(user, is_multiannual=True, period_start=date(2025, 1, 1),
                                   period_end=date(2027, 12, 31), deliberation_body=DeliberationBody.COUNCIL,
                                   deliberation_number="SOC 008-0412/25/CM", deliberation_date=date(2025, 3, 27))
    budget_validate(budget=budget, user=user)
    convention_tranches_save(convention=convention, user=user, rows=rows(
        (2025, first_year_amount, {"deliberation_number": "2025/....", **first_year}), (2026, "42000", {})))
    convention.refresh_from_db()
    return convention, user


@pytest.mark.django_db
def test_recording_a_multiyear_agreements_vote_records_its_first_years_vote_with_its_deliberation():
    from dossier.actions import convention_vote

    convention, user = multiyear_ready_to_vote()
    convention_vote(convention=convention, user=user)
    first, second = convention.tranches.order_by("year")
    assert first.is_voted and not second.is_voted
    # The year had only a placeholder: it takes the deliberation that voted the agreement.
    assert (first.deliberation_body, first.deliberation_number, first.deliberation_date) == (
        DeliberationBody.COUNCIL, "SOC 008-0412/25/CM", date(2025, 3, 27))
    assert first.history.first().history_user == user
    # The next year waits for its own vote: voting it again the first year's way is refused once recorded.
    assert "déjà enregistré" in tranche_vote_refusal(first)


@pytest.mark.django_db
def test_a_first_year_that_cannot_be_voted_refuses_the_agreements_vote_and_saves_nothing():
    from dossier.actions import convention_vote

    convention, user = multiyear_ready_to_vote(first_year_amount=None)
    with pytest.raises(ValidationError) as refused:
        convention_vote(convention=convention, user=user)
    assert "La première année (2025) de cette convention pluriannuelle est votée avec elle" in refused.value.messages[0]
    assert "Le montant de l'année 2025 n'est pas renseigné : le vote l'exige." in refused.value.messages
    convention.refresh_from_db()
    first = convention.tranches.get(year=2025)
    assert convention.status == Status.IN_REVIEW and not first.is_voted
    assert first.deliberation_number == "2025/...."  # not even the deliberation copied
    assert not convention.status_changes.filter(to_status=Status.VOTED).exists()


# --- Each year in its year on the dashboards (conventions.amounts.amounts_by_year) -----------------


@pytest.mark.django_db
def test_a_multiyear_agreement_gives_each_years_amount_in_force_in_that_year_not_its_total_in_the_first():
    convention = voted_multiyear()
    first = convention.tranches.get(year=2025)
    Amendment.objects.create(convention=convention, number=1, subject="Hausse 2025", text="…", tranche=first,
                             amount_change=D("5000"), status=AmendmentStatus.SIGNED)
    PaymentRequestFactory(convention=convention, tranche=first, kind=PaymentKind.ADVANCE, amount=D("32000"))
    annual = ConventionFactory(fiscal_year=2026, amount_granted=D("9000"), status=Status.ACTIVE)
    unscheduled = multiyear(amount_granted=D("60000"))  # its years not entered yet: in its fiscal year
    found = {(a.convention_id, a.year): a.amount for a in amounts_by_year(Convention.objects.all())}
    assert found == {(convention.pk, 2025): D("45000.00"), (convention.pk, 2026): D("42000.00"),
                     (annual.pk, 2026): D("9000.00"), (unscheduled.pk, 2025): D("60000.00")}
    rows_by_key = {(r.year, r.status): r for r in money_by_year_and_state()}
    assert (rows_by_key[(2025, Status.ACTIVE)].granted, rows_by_key[(2025, Status.ACTIVE)].paid) == (
        D("45000.00"), D("32000"))
    assert (rows_by_key[(2026, Status.ACTIVE)].count, rows_by_key[(2026, Status.ACTIVE)].granted) == (2, D("51000.00"))


# --- Payments year by year (finance.rules) ---------------------------------------------------------


def voted_multiyear(status=Status.ACTIVE):
    convention = multiyear()
    convention_tranches_save(convention=convention, rows=rows((2025, "40000", VOTE_2025), (2026, "42000", {})))
    Convention.objects.filter(pk=convention.pk).update(status=status)
    convention.refresh_from_db()
    tranche_vote(tranche=convention.tranches.get(year=2025), user=agent())
    return convention


@pytest.mark.django_db
def test_each_year_has_its_advance_capped_on_that_years_amount():
    convention = voted_multiyear()
    first, second = payments.tranches_of([convention])
    refusals = payments.tranche_request_refusals_for([first, second])
    assert refusals[(first.pk, PaymentKind.ADVANCE)] is None
    assert payments.tranche_request_amount(first, PaymentKind.ADVANCE) == D("32000.00")  # 80 % of 40 000
    assert "n'est pas encore voté" in refusals[(second.pk, PaymentKind.ADVANCE)]
    # The agreement as a whole is never requested: a request names its year.
    assert "chaque versement" in payments.request_refusal(convention, PaymentKind.ADVANCE)


@pytest.mark.django_db
def test_a_years_advance_is_requested_once_and_the_database_refuses_a_second_open_one():
    convention = voted_multiyear()
    first = convention.tranches.get(year=2025)
    user = convention.beneficiary.members.first() if hasattr(convention.beneficiary, "members") else None
    request = payment_request_create(convention=convention, kind=PaymentKind.ADVANCE, user=user, tranche=first,
                                     certified_by_name="Camille DURAND", certified_by_quality="Présidente")
    assert (request.tranche, request.amount) == (first, D("32000.00"))
    with pytest.raises(ValidationError, match="existe déjà pour l'année 2025"):
        payment_request_create(convention=convention, kind=PaymentKind.ADVANCE, user=user, tranche=first,
                               certified_by_name="Camille DURAND", certified_by_quality="Présidente")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRequestFactory(convention=convention, tranche=first, kind=PaymentKind.ADVANCE,
                              status=PaymentStatus.SUBMITTED)


@pytest.mark.django_db
def test_a_years_balance_is_prorated_on_that_years_actual_budget():
    convention = voted_multiyear()
    first = convention.tranches.get(year=2025)
    PaymentRequestFactory(convention=convention, tranche=first, kind=PaymentKind.ADVANCE, amount=D("32000"))
    forecast = BudgetFactory(convention=convention, kind=BudgetKind.FORECAST, year=2025, status=BudgetStatus.VALIDATED)
    BudgetLineFactory(budget=forecast, code="641", label="Salaires", amount=D("100000"))
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL, year=2025, status=BudgetStatus.VALIDATED)
    BudgetLineFactory(budget=actual, code="641", label="Salaires", amount=D("90000"))
    for kind in payments.BALANCE_DOCUMENTS:
        Document.objects.create(convention=convention, kind=kind, year=2025, status=DocumentStatus.ACCEPTED)
    money = payments.tranche_schedule(first)
    assert money.final == D("36000.00")  # 40 000 × 90 000 / 100 000
    assert payments.tranche_request_refusal(first, PaymentKind.BALANCE) is None
    assert payments.tranche_request_amount(first, PaymentKind.BALANCE) == D("4000.00")
    assert payments.schedule(convention).final is None  # the 2026 year is not justified yet


@pytest.mark.django_db
def test_the_years_schedules_take_the_same_queries_whatever_the_number_of_years():
    def count(convention):
        tranches = payments.tranches_of([convention])
        with CaptureQueriesContext(connection) as queries:
            payments.tranche_request_refusals_for(tranches)
            payments.schedules_for([convention])
        return len(queries)

    two = voted_multiyear()
    four = multiyear(period_end=date(2028, 12, 31))
    convention_tranches_save(convention=four, rows=rows(*[(y, "10000", {}) for y in (2025, 2026, 2027, 2028)]))
    assert count(two) == count(four)


# --- Budgets and documents per year ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_multiyear_agreement_has_one_forecast_a_year_a_one_year_agreement_keeps_one():
    convention = voted_multiyear()
    first = budget_get_or_create(convention=convention, year=2025)
    second = budget_get_or_create(convention=convention, year=2026)
    assert (first.year, second.year) == (2025, 2026) and first.pk != second.pk
    with pytest.raises(ValidationError, match="n'est pas une année"):
        budget_get_or_create(convention=convention, year=2030)
    single = ConventionFactory()
    assert budget_get_or_create(convention=single).year is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(convention=single, kind=BudgetKind.FORECAST)


@pytest.mark.django_db
def test_the_yearly_documents_are_owed_for_each_year_due_six_months_after_it():
    convention = voted_multiyear()
    owed = [(d.kind, d.year, d.due_on) for d in expected_documents(convention, auditor_required=False)
            if d.kind == DocumentKind.ANNUAL_ACCOUNTS]
    assert owed == [(DocumentKind.ANNUAL_ACCOUNTS, 2025, date(2026, 6, 30)),
                    (DocumentKind.ANNUAL_ACCOUNTS, 2026, date(2027, 6, 30))]


# --- The demo agreement: PDF, open data, portal ------------------------------------------------------


@pytest.mark.django_db
def test_the_agreement_pdf_prints_the_yearly_schedule_in_its_financial_article(demo):
    convention = Convention.objects.get(reference=MULTIYEAR_REFERENCE)
    text = pdf_text(agreement_pdf_render(convention))
    assert "participe à hauteur de 124 000 €" in text
    assert "La présente convention est pluriannuelle" in text
    assert "2025 40 000 € 26,67 % votée par la délibération n° SOC 008-0412/25/CM du Conseil de la Métropole du 27 mars 2025" in text
    assert "2027 42 000 € 26,25 % à voter (la délibération n° ……… du Conseil de la Métropole du ……… 2027)" in text
    assert "Total 124 000 €" in text


@pytest.mark.django_db
def test_the_open_data_gives_one_valid_row_per_voted_year(demo, tmp_path):
    buffer = io.StringIO()
    export = scdl_export()
    write_scdl_csv(export, buffer)
    report = validate(tmp_path, buffer.getvalue())
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    mine = [r for r in rows_of(buffer.getvalue()) if r["nomBeneficiaire"] == "Réseau d'entraide des quartiers Est"]
    assert [(r["referenceDecision"], r["montant"], r["dateConvention"]) for r in mine] == [
        ("SOC 008-0412/25/CM", "40000.00", "2025-04-22"), ("SOC 011-1530/26/CM", "42000.00", "2025-04-22")]
    assert mine[0]["datesPeriodeVersement"] == "2025-05-20/2026-06-30"  # the 2025 advance, balance due by June 2026
    assert export.conventions.count(Convention.objects.get(reference=MULTIYEAR_REFERENCE)) == 1


@pytest.mark.django_db
def test_the_portal_shows_the_schedule_and_offers_the_second_years_advance(client, demo):
    convention = Convention.objects.get(reference=MULTIYEAR_REFERENCE)
    member = UserFactory(username="tresoriere-reqe")
    MembershipFactory(user=member, beneficiary=convention.beneficiary)
    client.force_login(member)
    page = html.unescape(client.get(reverse("portal_conventions:payments", args=[convention.pk])).content.decode())
    assert "Demander l'acompte de l'année 2026" in page
    assert "33\u202f600" in page or "33 600" in page  # 80 % of 42 000
    assert "Une demande d'acompte existe déjà pour l'année 2025." in page
    second = convention.tranches.get(year=2026)
    request = {"kind": "advance", "tranche": second.pk, "certified_by_name": "Nadia BENALI",
               "certified_by_quality": "Trésorière", "certify": "on"}
    url = reverse("portal_conventions:payments", args=[convention.pk])
    confirmation = html.unescape(client.post(url, request).content.decode())  # the page says what will be asked
    assert "33\u202f600" in confirmation and "2026" in confirmation
    assert not PaymentRequest.objects.filter(tranche=second).exists()
    response = client.post(url, {**request, "confirm": "1"})
    assert response.status_code == 302
    assert PaymentRequest.objects.get(tranche=second, kind=PaymentKind.ADVANCE).amount == D("33600.00")
    signed = html.unescape(client.get(reverse("portal_conventions:signed_documents", args=[convention.pk])).content.decode())
    assert "Échéancier de la convention pluriannuelle" in signed and "À voter" in signed


@pytest.mark.django_db
def test_a_member_of_another_association_reaches_neither_the_agreement_nor_its_years(client, demo):
    convention = Convention.objects.get(reference=MULTIYEAR_REFERENCE)
    client.login(username="scs", password="demo")
    assert client.get(reverse("portal_conventions:payments", args=[convention.pk])).status_code == 404
    own = Convention.objects.get(reference=SEED_REFERENCE)
    response = client.post(reverse("portal_conventions:payments", args=[own.pk]), {
        "kind": "advance", "tranche": convention.tranches.get(year=2026).pk, "certified_by_name": "X",
        "certified_by_quality": "Président", "certify": "on"})
    assert response.status_code == 404
    assert not PaymentRequest.objects.filter(tranche__convention=convention, kind=PaymentKind.ADVANCE,
                                             tranche__year=2026).exists()


@pytest.mark.django_db
def test_the_admin_shows_the_tranches_inline_on_a_multiyear_agreement(agent_client, demo):
    convention = multiyear(status=Status.DRAFT, funder=Convention.objects.get(reference=MULTIYEAR_REFERENCE).funder,
                           period_end=date(2028, 12, 31))
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    page = agent_client.get(url)
    assert page.status_code == 200 and "Tranches annuelles" in page.content.decode()
