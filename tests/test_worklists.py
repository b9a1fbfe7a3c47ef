"""The staff home's worklists: what waits for whom, overdue first, each count linking to exactly its rows."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.duties import review_conflict, without_conflicts
from budgets.models import Budget, BudgetStatus
from campaigns.models import ApplicationStatus
from core.roles import AGENT, FINANCE
from documents.models import Document, DocumentStatus
from finance.models import PaymentStatus
from indicators.models import IndicatorSubmission, ReportStatus
from tests.factories import (
    ApplicationFactory,
    BudgetFactory,
    ConventionFactory,
    DocumentFactory,
    IndicatorReportFactory,
    MembershipFactory,
    PaymentRequestFactory,
    UserFactory,
    staff_user,
)
from worklists.rules import (
    applications_to_instruct,
    budgets_to_validate,
    documents_to_review,
    payments_to_pay,
    payments_to_validate,
    reports_to_validate,
    worklists_for,
)

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"
TODAY = timezone.localdate()


@pytest.fixture
def agent(db):
    return staff_user("agent-listes", AGENT)


@pytest.fixture
def finance(db):
    return staff_user("finance-listes", FINANCE)


def _payment(status, amount, **kwargs):
    fields = {"payment_order_number": "", "paid_on": None} if status != PaymentStatus.PAID else {}
    return PaymentRequestFactory(status=status, amount=Decimal(amount), **fields, **kwargs)


def _received(due_on, **kwargs):
    return DocumentFactory(status=DocumentStatus.RECEIVED, due_on=due_on, uploaded_by=UserFactory(), **kwargs)


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str, worklist: str) -> str:
    match = re.search(rf'<tr class="worklist[^"]*" id="worklist-{worklist}">(.*?)</tr>', html, re.S)
    return match.group(1) if match else ""


def test_the_agent_sees_what_waits_for_them_with_counts(client, agent):
    BudgetFactory(status=BudgetStatus.SUBMITTED, submitted_by=UserFactory())
    BudgetFactory(status=BudgetStatus.DRAFT)
    _received(TODAY + timedelta(days=10))
    _received(TODAY - timedelta(days=3))
    DocumentFactory(status=DocumentStatus.EXPECTED, due_on=TODAY - timedelta(days=3))  # the association's to give
    IndicatorReportFactory(status=ReportStatus.SUBMITTED)
    _payment(PaymentStatus.SUBMITTED, "8000")
    ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(status=ApplicationStatus.IN_INSTRUCTION, assigned_to=agent)
    ApplicationFactory(status=ApplicationStatus.IN_INSTRUCTION, assigned_to=staff_user("autre-agent", AGENT))
    counts = {c.worklist.code: (c.count, c.overdue) for c in worklists_for(agent, today=TODAY)}
    assert counts == {"budgets": (1, 0), "justificatifs": (2, 1), "indicateurs": (1, 0),
                      "versements-a-valider": (1, 0), "candidatures": (2, 0)}
    page = _home(client, agent)
    assert "Justificatifs reçus, à examiner" in page and "1 en retard" in _rows(page, "justificatifs")
    assert "Rien ne vous attend." not in page


def test_lists_with_overdue_rows_come_first(client, agent):
    BudgetFactory(status=BudgetStatus.SUBMITTED)
    IndicatorReportFactory(status=ReportStatus.SUBMITTED, due_on=TODAY - timedelta(days=1))
    codes = [c.worklist.code for c in worklists_for(agent, today=TODAY)]
    assert codes == ["indicateurs", "budgets"]
    page = _home(client, agent)
    assert page.index('id="worklist-indicateurs"') < page.index('id="worklist-budgets"')


def test_finance_sees_requests_to_validate_and_to_pay_with_their_amounts(client, finance):
    _payment(PaymentStatus.SUBMITTED, "1000")  # the instructing service's, not finance's
    _payment(PaymentStatus.STAFF_APPROVED, "8000")
    _payment(PaymentStatus.STAFF_APPROVED, "1234.56")
    _payment(PaymentStatus.FINANCE_APPROVED, "2500")
    BudgetFactory(status=BudgetStatus.SUBMITTED)  # finance does not validate budgets
    lists = {c.worklist.code: c for c in worklists_for(finance, today=TODAY)}
    assert set(lists) == {"versements-a-valider", "versements-a-mandater"}
    assert (lists["versements-a-valider"].count, lists["versements-a-valider"].amount) == (2, Decimal("9234.56"))
    assert (lists["versements-a-mandater"].count, lists["versements-a-mandater"].amount) == (1, Decimal("2500"))
    page = _home(client, finance)
    assert f"9{NNBSP}234,56{NBSP}€" in _rows(page, "versements-a-valider")
    assert f"2{NNBSP}500{NBSP}€" in _rows(page, "versements-a-mandater")


def test_the_agent_validates_what_the_service_validates_first(agent):
    submitted = _payment(PaymentStatus.SUBMITTED, "1000")
    _payment(PaymentStatus.STAFF_APPROVED, "8000")
    assert list(payments_to_validate(agent)) == [submitted]
    assert not payments_to_pay(agent).exists()


@pytest.mark.parametrize("code", ["budgets", "justificatifs", "justificatifs-en-retard", "indicateurs",
                                  "versements-a-valider", "candidatures"])
def test_each_count_links_to_a_list_of_exactly_its_rows(client, agent, code):
    BudgetFactory(status=BudgetStatus.SUBMITTED)
    BudgetFactory(status=BudgetStatus.VALIDATED)
    BudgetFactory(status=BudgetStatus.SUBMITTED, submitted_by=agent)  # theirs: not to validate
    _received(TODAY - timedelta(days=3))
    _received(TODAY - timedelta(days=2))
    _received(TODAY + timedelta(days=2))
    DocumentFactory(status=DocumentStatus.ACCEPTED)
    IndicatorReportFactory(status=ReportStatus.SUBMITTED)
    IndicatorReportFactory(status=ReportStatus.DRAFT)
    _payment(PaymentStatus.SUBMITTED, "1000")
    _payment(PaymentStatus.PAID, "1000")
    ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(status=ApplicationStatus.DRAFT)
    page = _home(client, agent)
    lists = {c.worklist.code: c for c in worklists_for(agent, today=TODAY)}
    item = lists[code.removesuffix("-en-retard")]
    url, expected = (item.overdue_url, item.overdue) if code.endswith("-en-retard") else (item.url, item.count)
    assert f'href="{url}"'.replace("&", "&amp;") in page or f'href="{url}"' in page
    listing = client.get(url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == expected
    assert expected == {"justificatifs-en-retard": 2, "justificatifs": 3}.get(code, 1)


def test_an_unknown_list_shows_no_row(client, agent):
    BudgetFactory(status=BudgetStatus.SUBMITTED)
    client.force_login(agent)
    listing = client.get(reverse("admin:budgets_budget_changelist") + "?pour_moi=inconnue")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0


def test_what_they_deposited_or_their_association_sent_does_not_wait_for_them(agent):
    association_member_of = MembershipFactory(user=agent).beneficiary
    theirs = ConventionFactory(beneficiary=association_member_of)
    BudgetFactory(status=BudgetStatus.SUBMITTED, submitted_by=agent)
    BudgetFactory(status=BudgetStatus.SUBMITTED, convention=theirs)
    DocumentFactory(status=DocumentStatus.RECEIVED, uploaded_by=agent)
    _received(TODAY, convention=theirs)
    report = IndicatorReportFactory(status=ReportStatus.SUBMITTED)
    IndicatorSubmission.objects.create(report=report, number=1, submitted_at=timezone.now(), submitted_by=agent)
    _payment(PaymentStatus.SUBMITTED, "1000", submitted_by=agent)
    _payment(PaymentStatus.SUBMITTED, "1000", convention=theirs)
    ApplicationFactory(status=ApplicationStatus.SUBMITTED, beneficiary=association_member_of)
    ApplicationFactory(status=ApplicationStatus.SUBMITTED, submitted_by=agent)
    assert worklists_for(agent, today=TODAY) == []
    # A report whose last submission someone else sent waits for them again.
    IndicatorSubmission.objects.create(report=report, number=2, submitted_at=timezone.now(), submitted_by=UserFactory())
    assert list(reports_to_validate(agent)) == [report]


def test_the_filter_and_the_duties_rule_agree_row_by_row(agent):
    """``without_conflicts`` is ``review_conflict`` as a filter: same rows refused, for each case."""
    member_of = MembershipFactory(user=agent).beneficiary
    MembershipFactory(user=agent, is_active=False, beneficiary=(former := ConventionFactory().beneficiary))
    cases = [
        BudgetFactory(status=BudgetStatus.SUBMITTED, submitted_by=agent),
        BudgetFactory(status=BudgetStatus.SUBMITTED, convention=ConventionFactory(beneficiary=member_of)),
        BudgetFactory(status=BudgetStatus.SUBMITTED, convention=ConventionFactory(beneficiary=former)),
        BudgetFactory(status=BudgetStatus.SUBMITTED, submitted_by=UserFactory()),
        BudgetFactory(status=BudgetStatus.SUBMITTED),
    ]
    kept = set(without_conflicts(Budget.objects.all(), agent, beneficiary="convention__beneficiary",
                                 submitted_by="submitted_by"))
    for budget in cases:
        refused = review_conflict(agent, beneficiary=budget.convention.beneficiary, submitted_by=budget.submitted_by)
        assert (budget in kept) == (refused is None), budget
    assert set(budgets_to_validate(agent)) == kept


def test_an_application_budget_of_their_association_is_left_out_too(agent):
    member_of = MembershipFactory(user=agent).beneficiary
    application = ApplicationFactory(beneficiary=member_of)
    Budget.objects.filter(pk=application.budget_id).update(status=BudgetStatus.SUBMITTED)
    other = ApplicationFactory()
    Budget.objects.filter(pk=other.budget_id).update(status=BudgetStatus.SUBMITTED)
    assert list(budgets_to_validate(agent)) == [other.budget]
    assert set(applications_to_instruct(agent)) == set()  # both are drafts


def test_the_empty_state(client, agent):
    page = _home(client, agent)
    assert "Rien ne vous attend." in page
    assert 'id="worklists-module"' in page and "Toutes les rubriques" in page  # the app list stays below


def test_someone_without_the_permissions_sees_no_list(finance):
    BudgetFactory(status=BudgetStatus.SUBMITTED)
    _received(TODAY)
    assert not budgets_to_validate(finance).exists() and not documents_to_review(finance).exists()


def test_the_home_costs_a_fixed_number_of_queries(client, agent, django_assert_max_num_queries):
    client.force_login(agent)
    client.get(reverse("admin:index"))  # warm the per-process caches

    def fill(n):
        for _ in range(n):
            BudgetFactory(status=BudgetStatus.SUBMITTED)
            _received(TODAY - timedelta(days=1))
            IndicatorReportFactory(status=ReportStatus.SUBMITTED, due_on=date(2020, 1, 1))
            _payment(PaymentStatus.SUBMITTED, "100")
            ApplicationFactory(status=ApplicationStatus.SUBMITTED)

    fill(1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("admin:index"))
    fill(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("admin:index")).content.decode()
    assert "6 en retard" in _rows(page, "justificatifs")
    assert Document.objects.filter(status=DocumentStatus.RECEIVED).count() == 6


def test_agreements_they_instruct_waiting_for_the_service(agent):
    from conventions.models import Convention, Status
    from worklists.rules import agreements_to_follow

    assigned = ConventionFactory(status=Status.IN_REVIEW)
    ApplicationFactory(status=ApplicationStatus.GRANTED, assigned_to=agent, convention=assigned)
    running = ConventionFactory(status=Status.ACTIVE)  # waits for its year to run, not for the service
    ApplicationFactory(status=ApplicationStatus.GRANTED, assigned_to=agent, convention=running)
    someone_elses = ConventionFactory(status=Status.IN_REVIEW)
    ApplicationFactory(status=ApplicationStatus.GRANTED, assigned_to=UserFactory(), convention=someone_elses)
    created = ConventionFactory(status=Status.VOTED)
    created.history.filter(history_type="+").update(history_user=agent)  # who created it, as the history records
    assert set(agreements_to_follow(agent)) == {assigned, created}
    assert Convention.objects.count() == 4
    # The agent named on the agreement (the portal's « Votre contact ») instructs it, whoever created it.
    colleague = staff_user("agent-collegue", AGENT)
    Convention.objects.filter(pk=created.pk).update(instructing_agent=colleague)
    named = ConventionFactory(status=Status.IN_REVIEW, instructing_agent=agent)
    assert set(agreements_to_follow(agent)) == {assigned, named}
    assert set(agreements_to_follow(colleague)) == {created}
