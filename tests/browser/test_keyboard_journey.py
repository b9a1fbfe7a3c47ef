"""The association's main task with the keyboard alone: Tab, Shift+Tab, Enter, Space and typing,
never a click. Log in, skip to the content, open the agreement, fill and save the forecast
budget, deposit it (following a confirmation page if one appears), then send the indicators.
At every stop the focused element shows a visible focus ring."""

import re
from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetKind, BudgetStatus
from conventions.models import Status
from indicators.models import ReportStatus
from indicators.services import DefinitionInput, indicator_report_open, indicator_set_upsert
from tests.factories import BeneficiaryFactory, ConventionFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = r"""() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const label = el.getAttribute('aria-label') || (el.labels && el.labels.length ? el.labels[0].textContent : '');
    return {text: (el.textContent || el.value || '').trim(), label: label.replace(/\s+/g, ' ').trim(),
            id: el.id, tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
            shadow: style.boxShadow};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page):
    info = focused(page)
    if info["tag"] in ("BODY", "MAIN"):
        return  # the page itself, or the skip link's target
    assert info["outline"] != "none" and info["width"] >= 2, f"no visible focus on {info}"


def tab_to(page, matches, *, limit=250, back=False):
    """Press Tab (Shift+Tab with ``back``) until the focused element ``matches``; check each stop."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        assert_focus_visible(page)
        if matches(focused(page)):
            return
    raise AssertionError(f"the keyboard never reaches it in {limit} presses (last: {focused(page)})")


def named(pattern):
    regex = re.compile(pattern)
    return lambda info: bool(regex.search(info["text"]) or regex.search(info["label"]))


@pytest.fixture
def association():
    beneficiary = BeneficiaryFactory(name="Les Amis du Canal", acronym="ADC")
    convention = ConventionFactory(beneficiary=beneficiary, fiscal_year=2026, reference="AMP-2026-CANAL",
                                   amount_granted=Decimal("800"), status=Status.DRAFT)
    indicator_set = indicator_set_upsert(name="Indicateurs communs", structure_type="Associations", year=2026,
                                         definitions=[DefinitionInput("participants", "Participants aux ateliers")])
    indicator_report_open(convention=convention, indicator_set=indicator_set)
    member = MembershipFactory(beneficiary=beneficiary, user=UserFactory(username="tresoriere")).user
    return convention, member


def test_the_main_task_with_the_keyboard_alone(page, live_server, association):
    convention, _member = association
    page.goto(f"{live_server.url}/portail/connexion/")

    # The login form's first field has the focus (autofocus): type, Tab, type, Enter.
    assert focused(page)["id"] == "id_username"
    page.keyboard.type("tresoriere")
    page.keyboard.press("Tab")
    page.keyboard.type("motdepasse-solide-42")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/portail/$"))

    # The skip link comes first and leads to the content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Aller au contenu"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "contenu"

    # The agreement, from the home page's list.
    tab_to(page, named(r"^AMP-2026-CANAL$"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/portail/conventions/{convention.pk}/$"))
    tab_to(page, named(r"^Budgets$"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/portail/budgets/"))
    tab_to(page, named(r"prévisionnel"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/previsionnel/"))

    # The forecast: one charge, two products, balanced; saved as a draft, then deposited.
    tab_to(page, named(r"^Montant — 641 "))
    page.keyboard.type("1000")
    tab_to(page, named(r"^Montant — 756 "))
    page.keyboard.type("200")
    tab_to(page, named(r"^Montant — 641 "), back=True)  # Shift+Tab goes back over the form
    tab_to(page, named(r"^Montant — 744 "))
    page.keyboard.type("800")
    tab_to(page, named(r"^Enregistrer le brouillon$"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    budget = Budget.objects.get(convention=convention, kind=BudgetKind.FORECAST)
    assert budget.status == BudgetStatus.DRAFT and budget.lines.filter(amount=Decimal("1000")).exists()

    tab_to(page, named(r"^Déposer le budget$"))
    with page.expect_navigation():
        page.keyboard.press("Space")
    if "Confirmer" in page.locator("main").inner_text():  # a confirmation page, where there is one
        tab_to(page, named(r"^(Confirmer|Déposer)"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.SUBMITTED

    # The indicators: back to the agreement, its report, a value typed, sent.
    page.goto(f"{live_server.url}/portail/conventions/{convention.pk}/")
    tab_to(page, named(r"^Indicateurs$"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/portail/indicateurs/"))
    tab_to(page, named(r"2026"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/2026/$"))
    tab_to(page, lambda info: info["id"] == "id_participants__total")
    page.keyboard.type("42")
    tab_to(page, named(r"^Transmettre"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if "Confirmer" in page.locator("main").inner_text():
        tab_to(page, named(r"^(Confirmer|Transmettre)"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert convention.indicator_reports.get(year=2026).status == ReportStatus.SUBMITTED
