"""Consistency checks on data entered as printed (DOMAIN.md §10), starting with the seed's errors."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from compliance.consistency import consistency_findings, printed_tolerance
from finance.models import PaymentKind
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    PaymentRequestFactory,
)

NNBSP, NBSP = "\u202f", "\u00a0"


def euros(text):
    """Return ``text`` with French typography: « 954 123 € » as the application prints it."""
    return re.sub(r"(?<=\d) (?=\d)", NNBSP, text).replace(" €", NBSP + "€")


def by_code(convention):
    return {f.code: f for f in consistency_findings(convention)}


def budget_for(convention, *, lines, **fields):
    budget = BudgetFactory(convention=convention, **fields)
    for code, amount, granting in lines:
        BudgetLineFactory(budget=budget, code=code, amount=D(amount), is_granting_funder=granting)
    return budget


def test_the_seed_shows_each_of_its_printed_errors(seed_convention):
    findings = by_code(seed_convention)
    assert set(findings) == {"declared_charges", "declared_products", "stated_share", "malformed_figure",
                             "in_kind_categories", "indicator_bands"}

    charges = findings["declared_charges"]
    assert charges.difference == D("593.00")
    assert euros("(953 530 €)") in charges.message and euros("954 123 €") in charges.message
    assert euros("écart de 593 €") in charges.message

    products = findings["declared_products"]
    assert products.difference == D("-200.00")
    assert euros("953 330 €") in products.message and euros("écart de 200 €") in products.message

    share = findings["stated_share"].message
    assert "5,7\u00a0%" in share and "6,92\u00a0%" in share and "5,67\u00a0%" in share
    assert "elle correspond à la part avec contributions en nature" in share


def test_the_seed_eligible_expenses_are_reported_malformed_with_their_likely_value(seed_convention):
    findings = consistency_findings(seed_convention)
    [malformed] = [f for f in findings if f.code == "malformed_figure"]
    assert "« 1.163.53€ », un montant mal formé" in malformed.message
    assert euros("lu tel quel, 1 163,53 € ou 1 163 530 €") in malformed.message
    assert euros("valeur probable 1 163 530 €") in malformed.message
    assert "le total des charges imprimé, contributions en nature comprises" in malformed.message
    assert not any(euros("952 959,47 €") in f.message for f in findings)  # no gap computed from a guess


def test_a_well_formed_printed_figure_is_checked_against_the_budget(db):
    convention = ConventionFactory(amount_granted=D("10000"), stated_eligible_expenses_printed="12 000,00 €")
    budget_for(convention, lines=[("641", "10000", False), ("744", "10000", True)])
    finding = by_code(convention)["stated_eligible_expenses"]
    assert euros("(12 000 €)") in finding.message and euros("écart de 2 000 €") in finding.message
    assert "malformed_figure" not in by_code(convention)


def test_the_seed_in_kind_contributions_disagree_kind_by_kind(seed_convention):
    messages = [f.message for f in consistency_findings(seed_convention) if f.code == "in_kind_categories"]
    assert messages == [
        euros("Contributions en nature « Bénévolat » : 210 000 € en emplois (864) mais 190 000 € en ressources "
              "(870) ; écart de 20 000 €."),
        euros("Contributions en nature « Mise à disposition de biens et prestations » : 0 € en emplois "
              "(861, 862) mais 20 000 € en ressources (871) ; écart de 20 000 €."),
    ]


def test_in_kind_contributions_that_agree_kind_by_kind_are_not_flagged(db):
    convention = ConventionFactory(amount_granted=D("10000"))
    budget_for(convention, lines=[("641", "10000", False), ("744", "10000", True), ("864", "500", False),
                                  ("861", "300", False), ("862", "200", False), ("870", "500", False),
                                  ("871", "500", False)])
    assert "in_kind_categories" not in by_code(convention)


def test_the_seed_company_size_bands_leave_a_gap(seed_convention):
    messages = [f.message for f in consistency_findings(seed_convention) if f.code == "indicator_bands"]
    assert messages == [
        "Indicateur « Entreprises adhérentes par effectif salarié » : Entre les tranches « moins de 10 salariés » "
        "et « de 11 à 50 salariés », aucune tranche ne compte 10."
    ]


def test_the_seed_names_written_two_ways_are_flagged(seed_convention):
    """Entered as printed: « Fabien AILLI » under the signature, « ROUSSAS » in annex I."""
    seed_convention.beneficiary_signatory = "Fabien AILLI"
    seed_convention.save()
    seed_convention.budgets.update(certified_place="ROUSSAS")
    messages = [f.message for f in consistency_findings(seed_convention) if f.code == "names"]
    assert messages == [
        "Représentant de l'association : « Fabien ALLI » (représentant de l'association) et « Fabien AILLI » "
        "(signataire pour l'association) désignent sans doute la même chose ; une seule fiche, saisie une fois, "
        "évite l'erreur.",
        "Lieux : « Rousset » (commune de l'association) et « ROUSSAS » (lieu de signature du budget prévisionnel) "
        "désignent sans doute la même chose ; une seule fiche, saisie une fois, évite l'erreur.",
    ]


def test_the_same_name_in_another_case_or_another_person_is_not_flagged(seed_convention):
    seed_convention.beneficiary_signatory = "fabien alli"
    seed_convention.funder_signatory = "Renaud MUSELIER"
    seed_convention.save()
    assert "names" not in by_code(seed_convention)


def test_the_seed_granting_funder_line_matches_the_amount_granted(seed_convention):
    assert "granting_funder_line" not in by_code(seed_convention)


def test_the_agreement_page_shows_the_seed_anomalies(agent_client, seed_convention):
    page = agent_client.get(reverse("admin:conventions_convention_change", args=[seed_convention.pk])).content.decode()
    assert "7 incohérences entre les valeurs imprimées et le calcul" in page
    assert "un montant mal formé" in page and "aucune tranche ne compte 10" in page
    assert "elle correspond à la part avec contributions en nature" in page
    assert "Code de commerce, art. L612-4 et D612-5" in page
    assert euros("Subventions publiques 2023 : 519 993 €") in page


@pytest.mark.parametrize("stated, tolerance", [("5.70", "0.05"), ("6.92", "0.005"), ("6", "0.5"), ("10", "0.5")])
def test_a_stated_share_is_compared_at_the_precision_it_was_printed(stated, tolerance):
    assert printed_tolerance(D(stated)) == D(tolerance)


def test_a_stated_share_that_matches_the_computed_one_is_not_flagged(db):
    convention = ConventionFactory(amount_granted=D("10000"), stated_share_percent=D("10"))
    budget_for(convention, lines=[("641", "100000", False), ("744", "10000", True)])
    assert "stated_share" not in by_code(convention)


def test_a_stated_share_matching_no_computation_is_flagged(db):
    convention = ConventionFactory(amount_granted=D("10000"), stated_share_percent=D("12.5"))
    budget_for(convention, lines=[("641", "100000", False), ("744", "10000", True)])
    assert "ne correspond à aucune part calculée" in by_code(convention)["stated_share"].message


def test_a_declared_total_that_includes_in_kind_contributions_is_accepted(db):
    convention = ConventionFactory()
    budget_for(convention, lines=[("641", "1000", False), ("864", "200", False)], declared_total_charges=D("1200"))
    assert "declared_charges" not in by_code(convention)


def test_a_missing_granting_funder_line_is_flagged(db):
    convention = ConventionFactory(amount_granted=D("10000"))
    budget_for(convention, lines=[("641", "10000", False), ("744", "10000", False)])
    assert "Aucune ligne du budget n'est marquée" in by_code(convention)["granting_funder_line"].message


def test_a_granting_funder_line_different_from_the_amount_granted_is_flagged(db):
    convention = ConventionFactory(amount_granted=D("10000"))
    budget_for(convention, lines=[("641", "12000", False), ("744", "12000", True)])
    finding = by_code(convention)["granting_funder_line"]
    assert finding.difference == D("-2000.00") and euros("écart de 2 000 €") in finding.message


def test_a_deliberation_after_the_signature_is_flagged(db):
    convention = ConventionFactory(
        deliberation_date=date(2025, 3, 20), beneficiary_signed_on=date(2025, 3, 2), funder_signed_on=date(2025, 3, 25),
    )
    messages = [f.message for f in consistency_findings(convention) if f.code == "dates"]
    assert messages == [
        "Dates dans le désordre : la signature par l'association (2 mars 2025) précède la délibération (20 mars 2025)."
    ]


def test_a_payment_or_notification_before_signature_is_flagged(db):
    convention = ConventionFactory(
        beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10), notified_on=date(2025, 4, 5),
    )
    PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, paid_on=date(2025, 4, 8))
    messages = " ".join(f.message for f in consistency_findings(convention))
    assert "la notification (5 avril 2025) précède la signature de la convention (10 avril 2025)" in messages
    assert "le versement (acompte) (8 avril 2025) précède la signature de la convention" in messages


def test_a_budget_certified_after_the_vote_is_flagged(db):
    convention = ConventionFactory(deliberation_date=date(2025, 3, 20))
    budget_for(convention, lines=[], certified_on=date(2025, 4, 1))
    assert "la délibération (20 mars 2025) précède la certification du budget prévisionnel" in " ".join(
        f.message for f in consistency_findings(convention))


def test_dates_in_order_raise_nothing(db):
    convention = ConventionFactory(
        deliberation_date=date(2025, 3, 20), beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10),
        notified_on=date(2025, 4, 14),
    )
    PaymentRequestFactory(convention=convention, paid_on=date(2025, 5, 6))
    assert consistency_findings(convention) == []
