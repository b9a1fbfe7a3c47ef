"""The portal's home: the association's agreements, and what is expected next, overdue first."""

from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import BudgetKind, BudgetStatus
from conventions.models import Amendment, AmendmentStatus, Status
from documents.models import DocumentKind, DocumentStatus
from dossier.portal_home import expected_items
from indicators.models import ReportStatus
from tests.factories import (
    BeneficiaryFactory,
    BudgetFactory,
    ConventionFactory,
    DocumentFactory,
    IndicatorReportFactory,
    MembershipFactory,
    PaymentRequestFactory,
)

TODAY = date(2026, 3, 15)


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def beneficiary(db):
    return BeneficiaryFactory(name="Les Amis du Canal", fiscal_year_end_month=12)


def labels(items):
    return [(item.label, item.due_on, item.overdue) for item in items]


def test_items_come_overdue_first_then_by_due_date_then_undated(beneficiary):
    active = ConventionFactory(beneficiary=beneficiary, fiscal_year=2025, status=Status.JUSTIFICATION)
    draft = ConventionFactory(beneficiary=beneficiary, fiscal_year=2026, status=Status.DRAFT)
    DocumentFactory(convention=active, kind=DocumentKind.STATUTES, due_on=date(2026, 4, 30))
    DocumentFactory(convention=active, kind=DocumentKind.INSURANCE, due_on=date(2026, 1, 31),
                    status=DocumentStatus.REJECTED, rejection_reason="Attestation de 2024.")
    DocumentFactory(convention=active, kind=DocumentKind.BANK_DETAILS, due_on=date(2025, 12, 31))
    DocumentFactory(convention=active, kind=DocumentKind.BOARD_LIST, due_on=None)
    BudgetFactory(convention=draft, kind=BudgetKind.FORECAST, status=BudgetStatus.RETURNED,
                  review_comment="La ligne 74 ne correspond pas au montant voté.")
    BudgetFactory(convention=active, kind=BudgetKind.ACTUAL, status=BudgetStatus.DRAFT)
    IndicatorReportFactory(convention=active, year=2025, due_on=date(2026, 3, 1), status=ReportStatus.RETURNED)

    items = expected_items(beneficiary, today=TODAY)

    assert labels(items) == [
        ("Relevé d'identité bancaire", date(2025, 12, 31), True),
        ("Attestation d'assurance", date(2026, 1, 31), True),
        ("Indicateurs 2025", date(2026, 3, 1), True),
        ("Statuts", date(2026, 4, 30), False),
        ("Budget réalisé (compte rendu financier)", date(2026, 6, 30), False),  # six months after the year
        ("Liste des membres du conseil d'administration", None, False),  # undated: by agreement
        ("Budget prévisionnel", None, False),
    ]
    assert items[1].action == "Refusé : à déposer de nouveau" and items[1].detail == "Attestation de 2024."
    assert items[6].action == "Renvoyé pour correction : à compléter"
    assert items[6].detail == "La ligne 74 ne correspond pas au montant voté."
    assert items[0].url == reverse("portal_conventions:documents", kwargs={"convention_pk": active.pk})


def test_what_is_done_or_under_review_or_finished_is_not_expected(beneficiary):
    active = ConventionFactory(beneficiary=beneficiary, status=Status.ACTIVE)
    PaymentRequestFactory(convention=active)  # the advance is paid
    closed = ConventionFactory(beneficiary=beneficiary, status=Status.CLOSED)
    for status in (DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED):
        DocumentFactory(convention=active, status=status)
    DocumentFactory(convention=closed)  # still "expected", but the agreement is closed
    BudgetFactory(convention=active, status=BudgetStatus.SUBMITTED)
    IndicatorReportFactory(convention=active, status=ReportStatus.VALIDATED)
    IndicatorReportFactory(convention=active, year=2024, status=ReportStatus.SUBMITTED)
    other = ConventionFactory(status=Status.ACTIVE)  # another association's
    DocumentFactory(convention=other)
    assert expected_items(beneficiary, today=TODAY) == []


def test_an_active_agreement_offers_the_advance_until_requested(beneficiary):
    convention = ConventionFactory(beneficiary=beneficiary, status=Status.ACTIVE)
    items = expected_items(beneficiary, today=TODAY)
    assert [(item.label, item.url) for item in items] == [("Acompte", f"/portail/conventions/{convention.pk}/versements/")]
    PaymentRequestFactory(convention=convention, status="submitted", payment_order_number="", paid_on=None)
    assert expected_items(beneficiary, today=TODAY) == []


@pytest.fixture
def member(client, beneficiary):
    user = MembershipFactory(beneficiary=beneficiary).user
    client.force_login(user)
    return user


def test_home_shows_the_agreements_and_the_items(client, member, beneficiary):
    convention = ConventionFactory(beneficiary=beneficiary, reference="AMP-2025-CANAL", status=Status.ACTIVE,
                                   title="Animation des berges")
    PaymentRequestFactory(convention=convention)
    DocumentFactory(convention=convention, kind=DocumentKind.INSURANCE, due_on=date(2020, 1, 31))
    page = text(client.get(reverse("portal:home")))
    assert "<h1>Les Amis du Canal</h1>" in page
    assert "AMP-2025-CANAL" in page and "Animation des berges" in page and "En cours (notifiée)" in page
    assert "Une démarche attend votre association" in page
    assert "Attestation d'assurance" in page and "En retard" in page and "31 janvier 2020" in page
    assert 'data-label="Exercice">2025<' in page  # a year, not « 2 025 »


def test_home_says_when_nothing_is_expected(client, member, beneficiary):
    PaymentRequestFactory(convention=ConventionFactory(beneficiary=beneficiary, status=Status.ACTIVE))
    assert "Rien à faire pour le moment" in text(client.get(reverse("portal:home")))


def test_home_says_when_the_association_has_no_agreement_yet(client, member):
    page = text(client.get(reverse("portal:home")))
    assert "Rien à faire pour le moment" in page
    assert "Votre association n'a pas encore de convention sur ce portail." in page


def test_home_of_an_account_without_association(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    page = text(client.get(reverse("portal:home")))
    assert "Votre compte n'est rattaché à aucune association." in page


def test_home_query_count_is_flat(client, member, beneficiary):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:home")).status_code == 200
        return len(ctx.captured_queries)

    def add_agreement(year):
        convention = ConventionFactory(beneficiary=beneficiary, fiscal_year=year, status=Status.JUSTIFICATION)
        DocumentFactory(convention=convention)
        DocumentFactory(convention=convention, kind=DocumentKind.STATUTES, status=DocumentStatus.REJECTED)
        BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL)
        IndicatorReportFactory(convention=convention, year=year)

    add_agreement(2024)
    client.get(reverse("portal:home"))
    before = count()
    for year in (2021, 2022, 2023, 2025):
        add_agreement(year)
    after = count()
    # savepoint ×2, session, user, the header's associations, agreements (list, then open ones),
    # documents, budgets, indicator reports; what may be requested (finance.rules.request_refusals_for):
    # open requests, accepted documents, amounts in force, paid, recovered, eligible expenses, validated budgets;
    # the association's requirements of each next step (dossier.requirements) read four prefetched relations;
    # the association's vault papers in force, once for every agreement (documents.vault.papers_in_force);
    # the footer's contacts of the instructing services (conventions.contact)
    assert after == before
    assert after == 23


def test_home_shows_each_agreement_at_its_amount_in_force(client, member, beneficiary):
    convention = ConventionFactory(beneficiary=beneficiary, amount_granted="30000", status=Status.ACTIVE)
    Amendment.objects.create(convention=convention, number=1, subject="Hausse", text="Hausse.",
                             amount_change="4500", status=AmendmentStatus.SIGNED)
    Amendment.objects.create(convention=convention, number=2, subject="Hausse", text="Hausse.", amount_change="1000")
    page = text(client.get(reverse("portal:home")))
    assert 'data-label="Montant attribué">34\u202f500\u00a0€</td>' in page  # the draft n° 2 does not count
