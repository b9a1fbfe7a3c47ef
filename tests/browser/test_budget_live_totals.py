"""The portal's budget form recomputes its totals as one types (static/js/budget_form.js), the
French way, and announces the balance politely; the server's totals stay the truth on save."""

import re
from decimal import Decimal

import pytest

from conventions.models import Status
from tests.factories import ConventionFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def text(page, selector):
    return page.locator(selector).first.inner_text().translate(SPACES)


def test_totals_follow_the_typing(page, live_server, portal_login):
    user = UserFactory(username="tresoriere")
    convention = ConventionFactory(beneficiary=MembershipFactory(user=user).beneficiary, status=Status.DRAFT,
                                   amount_granted=Decimal("800"))
    portal_login(page, live_server, user)
    page.goto(f"{live_server.url}/portail/budgets/{convention.pk}/previsionnel/")
    assert page.locator("[data-balance]").get_attribute("aria-live") == "polite"

    page.get_by_label("Montant — 641 Rémunération des personnels").fill("1 234,50")
    page.get_by_label("Montant — 613 Locations").fill("100")
    page.get_by_label("Montant — 756 Cotisations").fill("200")
    # The totals follow the last keystroke after a short pause (the script's debounce): wait for both.
    page.wait_for_function("document.querySelector('[data-total=charges]').textContent.indexOf('1') === 0"
                           " && document.querySelector('[data-total=produits]').textContent.indexOf('200') === 0")
    assert text(page, '[data-chapter-total="64"]') == "1 234,50 €"
    assert text(page, 'dd[data-total="charges"]') == "1 334,50 €"
    assert text(page, 'dd[data-total="produits"]') == "200 €"
    assert "les charges dépassent les produits de 1 134,50 €" in text(page, "[data-balance]")

    page.get_by_label(re.compile("Montant — 744")).first.fill("1134,5")
    page.wait_for_function("document.querySelector('[data-balance]').classList.contains('is-balanced')")
    assert text(page, "[data-balance]").startswith("Budget équilibré")

    page.get_by_role("button", name="Enregistrer le brouillon").click()  # the server's totals, the same
    assert text(page, 'dd[data-total="charges"]') == "1 334,50 €"
    assert text(page, "[data-balance]").startswith("Budget équilibré")
