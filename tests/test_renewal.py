"""Renewal (issue 16 item 5): « Renouveler pour l'année suivante » and the portal's « Partir du budget
de l'année précédente » (``dossier/renewal.py``)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import BudgetKind, BudgetStatus
from conventions.clauses.services import (
    clause_template_install,
    convention_clause_update,
    convention_clauses_prepare,
)
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Convention, DeliberationBody, Status
from core.roles import AGENT, FINANCE
from dossier.renewal import convention_renew, renewal_budget_copy
from indicators.services import indicator_set_for
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    add_balanced_lines,
    indicator_set_for_tests,
    staff_user,
)


@pytest.fixture
def closed_2025(db):
    """A closed 2025 agreement with its adjusted articles, its budget and the default 2025 indicator set."""
    convention = ConventionFactory(
        reference="AMP-2025-ENV-ABC", status=Status.DRAFT, amount_granted=D("10000"), eligible_base=D("40000"),
        objectives="Animer des jardins", preamble="Depuis 2010, l'association anime des jardins.",
        beneficiary_signatory="Camille DURAND", funder_signatory="Jean MARTIN", funder_signatory_title="Le Vice-Président",
        deliberation_body=DeliberationBody.BUREAU, deliberation_number="ENV 012-1204/25/BM",
        deliberation_date=date(2025, 3, 20), beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10),
        document_number="GU-2025-001", stated_share_percent=D("25"),
    )
    clause_template_install(funder=convention.funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    article_7 = next(c for c in convention_clauses_prepare(convention=convention) if c.number == "7")
    convention_clause_update(clause=article_7, title=article_7.title, body="Le logo figure sur chaque affiche.")
    add_balanced_lines(BudgetFactory(convention=convention))
    indicator_set_for_tests(year=2025, is_default=True)
    Convention.objects.filter(pk=convention.pk).update(status=Status.CLOSED)
    convention.refresh_from_db()
    return convention


def lines_of(convention):
    return [(line.code, line.label, line.amount) for line in
            convention.budgets.get(kind=BudgetKind.FORECAST).lines.in_chart_order()]


def test_the_renewal_is_next_years_draft_with_the_parties_texts_articles_indicators_and_budget(closed_2025):
    agent = staff_user("agent1", AGENT)
    renewal = convention_renew(convention=closed_2025, user=agent)
    assert (renewal.reference, renewal.fiscal_year, renewal.status) == ("AMP-2026-ENV-ABC", 2026, Status.DRAFT)
    assert (renewal.period_start, renewal.period_end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert renewal.renewed_from == closed_2025 and closed_2025.renewal == renewal  # linked both ways
    assert (renewal.funder, renewal.beneficiary) == (closed_2025.funder, closed_2025.beneficiary)
    assert (renewal.beneficiary_signatory, renewal.funder_signatory, renewal.funder_signatory_title) == (
        "Camille DURAND", "Jean MARTIN", "Le Vice-Président")
    assert (renewal.objectives, renewal.preamble) == (closed_2025.objectives, closed_2025.preamble)
    # the articles as adjusted for the previous year
    assert [(c.number, c.body) for c in renewal.clauses.all()] == [(c.number, c.body) for c in closed_2025.clauses.all()]
    assert renewal.clauses.get(number="7").body == "Le logo figure sur chaque affiche."
    # the budget as a starting point, in a draft
    assert lines_of(renewal) == lines_of(closed_2025) and len(lines_of(renewal)) == 5
    assert renewal.budgets.get().status == BudgetStatus.DRAFT
    # the indicator set, copied to the new year
    new_set = indicator_set_for(renewal)
    assert new_set.year == 2026 and new_set.name == "Jeu de test"
    assert sorted(new_set.definitions.values_list("code", flat=True)) == sorted(
        indicator_set_for(closed_2025).definitions.values_list("code", flat=True))
    # what is voted and signed again is blank: the amount unknown, never 0
    assert renewal.amount_granted is None and renewal.eligible_base is None
    assert (renewal.deliberation_number, renewal.deliberation_date, renewal.deliberation_body) == ("", None, "bureau")
    assert (renewal.beneficiary_signed_on, renewal.funder_signed_on, renewal.document_number) == (None, None, "")
    assert renewal.stated_share_percent is None
    # audited: who and why
    record = renewal.history.earliest()
    assert record.history_user == agent and record.history_change_reason == "Renouvellement de la convention AMP-2025-ENV-ABC"
    assert renewal.status_changes.get().by == agent


def test_a_second_renewal_of_the_same_agreement_is_refused_and_creates_nothing(closed_2025):
    convention_renew(convention=closed_2025, user=None)
    count = Convention.objects.count()
    with pytest.raises(ValidationError) as refused:
        convention_renew(convention=closed_2025, user=None)
    assert refused.value.messages == [
        "La convention AMP-2025-ENV-ABC a déjà été renouvelée : la convention AMP-2026-ENV-ABC en est le "
        "renouvellement. Une convention ne se renouvelle qu'une fois."]
    assert Convention.objects.count() == count


def test_a_draft_is_not_renewed(db):
    with pytest.raises(ValidationError, match="Seule une convention votée peut être renouvelée ; celle-ci est « brouillon »"):
        convention_renew(convention=ConventionFactory(), user=None)


def test_the_reference_of_the_renewal_never_collides(closed_2025):
    ConventionFactory(reference="AMP-2026-ENV-ABC")
    assert convention_renew(convention=closed_2025, user=None).reference == "AMP-2026-ENV-ABC-2"


# The admin: a confirmation page, then the renewal; the link shown on both agreements.

def test_the_admin_confirms_then_renews_and_links_both_agreements(client, closed_2025):
    client.force_login(staff_user("agent1", AGENT))
    change = reverse("admin:conventions_convention_change", args=[closed_2025.pk])
    assert "Renouveler pour l'année suivante</a>" in client.get(change).content.decode()
    url = reverse("admin:conventions_convention_renew", args=[closed_2025.pk])
    page = client.get(url).content.decode()
    assert "Confirmer : renouveler pour 2026" in page and "AMP-2026-ENV-ABC" in page
    assert "le montant attribué et l'assiette éligible : « non renseigné » jusqu'au vote" in page
    assert not Convention.objects.filter(renewed_from=closed_2025).exists()  # nothing before the confirmation

    response = client.post(url)
    renewal = Convention.objects.get(renewed_from=closed_2025)
    assert response.status_code == 302 and response["Location"].endswith(f"/{renewal.pk}/change/")
    assert "Renouvelle la convention" in client.get(response["Location"]).content.decode()
    source_page = client.get(change).content.decode()
    assert "Renouvelée pour l&#x27;année suivante par la convention" in source_page and "AMP-2026-ENV-ABC" in source_page
    assert "Renouveler pour l'année suivante</a>" not in source_page  # the button is gone

    again = client.post(url)
    assert again.status_code == 200 and "a déjà été renouvelée" in again.content.decode()
    assert Convention.objects.filter(renewed_from=closed_2025).count() == 1


def test_finance_may_not_renew(client, closed_2025):
    client.force_login(staff_user("finance1", FINANCE))
    assert client.post(reverse("admin:conventions_convention_renew", args=[closed_2025.pk])).status_code == 403
    assert not Convention.objects.filter(renewed_from=closed_2025).exists()


# The portal: « Partir du budget de l'année précédente » while the new budget is empty.

@pytest.fixture
def empty_renewal(closed_2025):
    renewal = convention_renew(convention=closed_2025, user=None)
    renewal.budgets.get().lines.all().delete()  # the association starts again from an empty budget
    return renewal


def test_a_member_starts_the_new_budget_from_last_years_once(client, empty_renewal):
    member = MembershipFactory(beneficiary=empty_renewal.beneficiary).user
    client.force_login(member)
    form = reverse("portal_budgets:forecast", args=[empty_renewal.pk])
    copy = reverse("portal_conventions:renewal_budget_copy", args=[empty_renewal.pk])
    assert f'href="{copy}">Reprendre le budget de l\'an dernier</a>' in client.get(form).content.decode()

    confirmation = client.get(copy).content.decode()
    assert "Vous allez recopier les 5 lignes du budget prévisionnel 2025" in confirmation
    client.post(copy)  # without the confirmation: nothing copied
    assert lines_of(empty_renewal) == []
    response = client.post(copy, {"confirm": "1"}, follow=True)
    assert lines_of(empty_renewal) == lines_of(empty_renewal.renewed_from)
    page = response.content.decode()
    assert "sont copiées dans votre brouillon" in page
    assert "Reprendre le budget de l'an dernier</a>" not in page  # no longer offered

    response = client.post(copy, {"confirm": "1"}, follow=True)
    assert "Le budget prévisionnel contient déjà des lignes" in response.content.decode()
    assert len(lines_of(empty_renewal)) == 5  # nothing duplicated


def test_the_copy_is_refused_for_an_agreement_that_renews_none(db):
    with pytest.raises(ValidationError, match="pas de budget prévisionnel de l'année précédente à reprendre"):
        renewal_budget_copy(convention=ConventionFactory(), user=None)


def test_a_member_of_another_association_gets_404_and_copies_nothing(client, empty_renewal):
    client.force_login(MembershipFactory().user)
    response = client.post(reverse("portal_conventions:renewal_budget_copy", args=[empty_renewal.pk]), {"confirm": "1"})
    assert response.status_code == 404
    assert lines_of(empty_renewal) == []


def test_a_new_agreement_not_made_by_renewal_may_start_from_last_years_budget(client, closed_2025):
    """Last year's agreement with the same funder counts too, without the « Renouveler » link."""
    new = ConventionFactory(beneficiary=closed_2025.beneficiary, funder=closed_2025.funder, fiscal_year=2026,
                            status=Status.DRAFT, amount_granted=None)
    client.force_login(MembershipFactory(beneficiary=new.beneficiary).user)
    copy = reverse("portal_conventions:renewal_budget_copy", args=[new.pk])
    assert f'href="{copy}"' in client.get(reverse("portal_budgets:forecast", args=[new.pk])).content.decode()
    client.post(copy, {"confirm": "1"})
    assert lines_of(new) == lines_of(closed_2025)
    assert "Reprendre le budget" not in client.get(reverse("portal_budgets:forecast", args=[new.pk])).content.decode()
