"""Unknown is not zero: an amount the document does not give is stored NULL, shown « non renseigné »,
counted apart in every total (« dont 1 montant non chiffré ») and blocks only the step that needs it.

Rules at their homes: which lines may be unknown (``budgets.models.unknown_amount_refusal``), the
totals and the balance (``budgets.rules``), deposit and validation (``budgets.services``), the
vote (``dossier.requirements``), the thresholds (``compliance.checks``), the SCDL export
(``compliance.opendata``), formatting (``core.money``), the seat's address (``beneficiaries.models``).
"""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus
from budgets.rules import budget_report, budget_totals
from budgets.services import (
    LineInput,
    budget_import,
    budget_save_lines,
    budget_submit,
    budget_validate,
)
from compliance.checks import State, convention_checks
from compliance.opendata import scdl_export
from conventions.models import Convention, Status
from core.money import format_euros
from core.roles import AGENT
from dossier.actions import convention_vote
from dossier.printing.agreement import agreement_pdf_render
from dossier.requirements import blocking_reasons
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    UserFactory,
    balanced_forecast,
    staff_user,
)
from tests.pdf_helpers import pdf_text
from tests.test_admin import _beneficiary_post_data, _convention_post_data
from tests.test_budget_import import csv_file
from tests.test_budget_portal import form_data, spare_row
from tests.test_requirements import in_review

NNBSP, NBSP = "\u202f", "\u00a0"
DRAFT_JPH = "AMP-2026-ENV-JPH"  # the demo's draft agreement (asso2), 32 000 €, its forecast a draft


def own_lines(charges="10000", asked_known="0"):
    """An operating budget: salaries, the granting funder's line, dues; no co-funder yet."""
    return [LineInput("641", D(charges), "Salaires"),
            LineInput("744", D("6000"), "Métropole", "obtained", is_granting_funder=True),
            LineInput("756", D("4000") - D(asked_known), "Cotisations")]


def table_row(page: str, text: str) -> str:
    """Return the HTML table row of ``page`` that holds ``text``."""
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + re.escape(text) + r"(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, f"no row holds {text}"
    return match.group(0)


def shows_zero(text: str) -> bool:
    """Return True when ``text`` prints « 0 € » on its own (not the end of « 101 000 € »)."""
    return re.search(r"(?<![\d\u202f ])0\u00a0€", text) is not None


def region_asked(amount=None, status="requested"):
    return LineInput("742", amount, "Région Sud", status)


@pytest.fixture
def user(db):
    return UserFactory(username="tresoriere")


@pytest.fixture
def budget(db):
    return BudgetFactory(convention=ConventionFactory(amount_granted=D("6000")))


# --- Which amounts may be unknown, and how they are stored -----------------------------------------


def test_a_co_funder_asked_with_no_known_amount_is_stored_null_not_zero(budget, user):
    budget_save_lines(budget=budget, lines=[*own_lines(charges="15000"), region_asked()], user=user)
    line = BudgetLine.objects.get(budget=budget, code="742")
    assert line.amount is None
    assert line.history.first().amount is None and line.history.first().history_user == user  # audited as such
    assert str(line) == "742 Région Sud : non renseigné"


@pytest.mark.parametrize("line, message", [
    (LineInput("622", None, "Honoraires"),
     "Le montant est manquant : seul le montant d'un cofinancement demandé (chapitre 74) peut rester non renseigné."),
    (region_asked(status="obtained"), "un financement obtenu a un montant connu"),
])
def test_an_amount_of_the_association_or_obtained_must_be_given(budget, user, line, message):
    with pytest.raises(ValidationError) as refusal:
        budget_save_lines(budget=budget, lines=[*own_lines(), line], user=user)
    assert any(message in text for text in refusal.value.messages)
    assert not budget.lines.exists()  # nothing saved


def test_the_actual_budget_reports_what_was_received_never_an_unknown(user):
    actual = BudgetFactory(convention=ConventionFactory(), kind=BudgetKind.ACTUAL)
    with pytest.raises(ValidationError, match="le compte rendu financier indique ce qui a été reçu"):
        budget_save_lines(budget=actual, lines=[*own_lines(), region_asked()], user=user)


def test_the_database_refuses_an_unknown_amount_outside_a_co_funder(budget):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(budget=budget, code="641", label="Salaires", amount=None)


# --- Totals count the known amounts and say how many they leave out -------------------------------


def test_totals_count_known_amounts_and_say_how_many_are_left_out(budget, user):
    budget_save_lines(budget=budget, lines=[*own_lines(charges="15000"), region_asked()], user=user)
    totals = budget_totals(budget)
    assert (totals.charges, totals.products, totals.unknown_amounts) == (D("15000"), D("10000"), 1)
    assert totals.products_shown() == f"10{NNBSP}000{NBSP}€ (dont 1 montant non chiffré)"
    report = budget_report(budget)
    chapter_74 = next(c for c in report.chapters if c.code == "74")
    assert chapter_74.shown == f"6{NNBSP}000{NBSP}€ (dont 1 montant non chiffré)"
    assert not totals.is_balanced and totals.can_balance
    assert (f"L'équilibre du budget ne peut pas être vérifié : 1 montant n'est pas chiffré ; les charges dépassent "
            f"les produits chiffrés de 5{NNBSP}000{NBSP}€.") in report.warnings


def test_an_unknown_amount_is_never_printed_as_zero():
    assert format_euros(None) == "non renseigné"


# --- Which step an unknown blocks: the validation, not the deposit ---------------------------------


def test_the_association_may_deposit_with_a_co_funder_amount_still_unknown(budget, user):
    budget_save_lines(budget=budget, lines=[*own_lines(charges="15000"), region_asked()], user=user)
    assert budget_submit(budget=budget, user=user).status == BudgetStatus.SUBMITTED


def test_a_budget_no_unknown_amount_could_balance_is_not_deposited(budget, user):
    """Produits already equal the charges: an amount still to come would unbalance it."""
    budget_save_lines(budget=budget, lines=[*own_lines(), region_asked()], user=user)
    with pytest.raises(ValidationError) as refusal:
        budget_submit(budget=budget, user=user)
    assert ("Le budget n'est pas équilibré : les produits chiffrés égalent déjà les charges "
            "(dont 1 montant non chiffré).") in refusal.value.messages
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT


def test_the_agent_validates_only_once_every_amount_is_known(user):
    agent = staff_user("agent-inconnu", AGENT)
    budget = BudgetFactory(convention=ConventionFactory(amount_granted=D("6000")))
    budget_save_lines(budget=budget, lines=[*own_lines(charges="15000"), region_asked()], user=user)
    budget_submit(budget=budget, user=user)
    with pytest.raises(ValidationError) as refusal:
        budget_validate(budget=budget, user=agent)
    assert ("Le montant de 1 cofinancement n'est pas chiffré (« Région Sud ») : le budget ne peut être validé "
            "qu'une fois tous les montants connus et le budget équilibré.") in refusal.value.messages
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.SUBMITTED


# --- The grant while the vote is pending -----------------------------------------------------------


def test_the_vote_is_refused_while_the_grant_is_not_given(db):
    agent = staff_user("agent-vote", AGENT)
    convention, budget = in_review(agent)
    budget_validate(budget=budget, user=agent)
    Convention.objects.filter(pk=convention.pk).update(amount_granted=None)  # the amount proposed is withdrawn
    convention.refresh_from_db()
    assert blocking_reasons(convention, "vote") == ["Le vote suppose le montant attribué connu : il n'est pas renseigné."]
    with pytest.raises(ValidationError, match="il n'est pas renseigné"):
        convention_vote(convention=convention, user=agent)
    convention.refresh_from_db()
    assert convention.status == Status.IN_REVIEW and convention.amount_granted is None


def test_staff_leave_the_grant_empty_until_the_vote(agent_client):
    convention = Convention.objects.get(reference=DRAFT_JPH)
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    response = agent_client.post(url, _convention_post_data(convention, amount_granted="", period_start="01/01/2026",
                                                            period_end="31/12/2026"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    convention.refresh_from_db()
    assert convention.amount_granted is None
    listing = agent_client.get(reverse("admin:conventions_convention_changelist")).content.decode()
    row = table_row(listing, DRAFT_JPH)
    assert "non renseigné" in row and not shows_zero(row)


def test_the_association_sees_the_grant_not_given_never_zero(client, demo):
    Convention.objects.filter(reference=DRAFT_JPH).update(amount_granted=None)
    client.login(username="asso2", password="demo")
    home = client.get(reverse("portal:home")).content.decode()
    row = table_row(home, DRAFT_JPH)
    assert "non renseigné" in row and not shows_zero(row)


def test_the_dashboard_counts_grants_not_given_apart(agent_client):
    Convention.objects.filter(reference=DRAFT_JPH).update(amount_granted=None)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    # In preparation: 66 000 € in review, the 2027 draft's 28 000 € (demo_cases) and the 65 000 € of the 4 drafts the
    # demo deliberation drew; the draft's 32 000 € not given any more.
    assert f"<dd>159{NNBSP}000{NBSP}€ (dont 1 montant non chiffré)</dd>" in page


def test_thresholds_wait_for_the_grant_instead_of_reading_zero(db):
    convention = ConventionFactory(amount_granted=None, status=Status.IN_REVIEW)
    checks = {c.code: c for c in convention_checks(convention, today=date(2025, 6, 1))}
    assert checks["written_agreement"].state == State.TODO
    assert "Montant attribué non renseigné" in checks["written_agreement"].detail
    assert not shows_zero(checks["written_agreement"].detail)


def test_public_subsidies_of_the_year_count_unknown_co_funders_apart(budget, user):
    budget_save_lines(budget=budget, lines=[*own_lines(charges="15000"), region_asked()], user=user)
    auditor = next(c for c in convention_checks(budget.convention, today=date(2025, 6, 1))
                   if c.code == "statutory_auditor")
    assert "cofinanceurs publics du budget 0\u00a0€ (dont 1 montant non chiffré)" in auditor.detail.replace(NNBSP, " ")
    assert auditor.state == State.TODO


def test_the_open_data_export_never_publishes_an_unknown_amount(db):
    convention = ConventionFactory(status=Status.SIGNED, amount_granted=None, beneficiary_signed_on=date(2025, 2, 1),
                                   funder_signed_on=date(2025, 2, 3))
    export = scdl_export()
    assert convention not in export.conventions
    assert "montant de la subvention (montant) non renseigné" in export.problems[0].missing


# --- Shown « non renseigné » on the portal, in the admin and in the PDF ----------------------------


def test_a_member_leaves_a_co_funder_asked_without_amount_on_the_portal(client, demo):
    convention = Convention.objects.get(reference=DRAFT_JPH)
    client.login(username="asso2", password="demo")
    page_url = reverse("portal_budgets:forecast", args=[convention.pk])
    response = client.get(page_url)
    row = spare_row(response, "74")
    salaries = next(form for form in response.context["formset"].forms if form.spec.code == "641")
    data = form_data(response, **{row.add_prefix("code"): "743", row.add_prefix("label"): "Département",
                                  row.add_prefix("funding_status"): "requested", row.add_prefix("amount"): "",
                                  salaries.add_prefix("amount"): "56 000,00", "action": "save"})
    assert client.post(page_url, data).status_code == 302
    line = BudgetLine.objects.get(budget__convention=convention, code="743")
    assert line.amount is None
    page = client.get(page_url).content.decode()
    assert 'placeholder="non renseigné"' in page
    assert "(dont 1 montant non chiffré)" in page
    assert "L&#x27;équilibre du budget ne peut pas être vérifié : 1 montant n&#x27;est pas chiffré" in page


def test_the_admin_budget_page_shows_the_unknown_amount(agent_client):
    budget = Budget.objects.get(convention__reference=DRAFT_JPH)
    BudgetLine.objects.create(budget=budget, code="743", label="Département", amount=None, funding_status="requested")
    page = agent_client.get(reverse("admin:budgets_budget_change", args=[budget.pk])).content.decode()
    cofunder = page[page.index("<td>Département"):][:400]
    assert "non renseigné" in cofunder and "None" not in cofunder
    assert "(dont 1 montant non chiffré)" in page


def test_the_agreement_annex_prints_non_renseigne_and_the_count(seed_convention):
    BudgetLine.objects.create(budget=seed_convention.budgets.get(), code="743", label="Conseil départemental",
                              amount=None, funding_status="requested")
    text = pdf_text(agreement_pdf_render(seed_convention))
    assert "Département(s) — Conseil départemental non renseigné" in text
    assert "74 – Subventions d'exploitation 519 993 € (dont 1 montant non chiffré)" in text
    assert "Total des produits 953 330 € (dont 1 montant non chiffré)" in text
    assert "Conseil départemental 0 €" not in text


def test_an_import_keeps_a_co_funder_asked_without_amount(budget, user):
    rows = [("641", "Salaires", "15000"), ("744", "Métropole", "6000"), ("756", "Cotisations", "4000"),
            ("742", "Région Sud", "", "Demandé"), ("606", "Fournitures", "")]
    summary = budget_import(budget=budget, uploaded_file=csv_file(rows, header=["Compte", "Libellé", "Montant",
                                                                                  "Demandé ou obtenu"]), user=user)
    assert summary.lines == 4  # the empty 606 row of the template is ignored, as before
    assert BudgetLine.objects.get(budget=budget, code="742").amount is None


# --- A text the document does not give: the seat's street ------------------------------------------


def test_an_address_not_given_leaves_the_clause_to_the_town(seed_convention):
    Beneficiary.objects.filter(pk=seed_convention.beneficiary_id).update(address="", postal_code="13790")
    text = pdf_text(agreement_pdf_render(seed_convention))
    assert "dont le siège est situé à Rousset (13790)," in text
    assert "(adresse" not in text and "situé , " not in text


def test_an_association_may_be_saved_without_its_street(agent_client):
    response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"),
                                 _beneficiary_post_data(address="", postal_code=""))
    assert response.status_code == 302
    assert Beneficiary.objects.get(name="Nouvelle association").address == ""


def test_a_balanced_budget_of_known_amounts_is_unchanged(db):
    totals = budget_totals(balanced_forecast(ConventionFactory()))
    assert totals.is_balanced and totals.unknown_amounts == 0 and totals.products_shown() == f"100{NNBSP}000{NBSP}€"
