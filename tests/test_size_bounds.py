"""Bounded sizes wherever a user can grow data (issue 5): past its bound, a budget, an import, an
indicator set or an agreement's documents is refused before anything is written, and the
message names the bound. Also: an import sent from a page older than the budget is refused as stale."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets import chart
from budgets.bounds import MAX_BUDGET_LINES
from budgets.imports import MAX_SCANNED_ROWS
from budgets.models import BudgetLine
from budgets.services import LineInput, budget_import, budget_save_lines
from conventions.models import Status
from core.roles import AGENT
from documents.bounds import MAX_DOCUMENTS_PER_AGREEMENT, OWED_KINDS
from documents.models import Document, DocumentKind
from documents.services import documents_expect
from indicators.bounds import MAX_DEFINITIONS_PER_SET
from indicators.models import IndicatorDefinition, IndicatorReport, IndicatorSet, IndicatorValue
from indicators.services import DefinitionInput, indicator_report_open, indicator_set_upsert
from tests.admin_forms import change_form_data
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    IndicatorSetFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
    staff_user,
)
from tests.test_budget_portal import field_name, form_data, spare_row

NNBSP = "\u202f"  # French thousands separator
BOUND_MESSAGE = "Un budget compte au plus 300 lignes"
STALE = "Ce budget a été modifié par quelqu'un d'autre depuis l'ouverture de la page."


def csv_upload(count: int, *, blank_rows: int = 0) -> SimpleUploadedFile:
    lines = ["Compte;Libellé;Montant"] + [f"606;Fournitures {i:05d};1" for i in range(count)] + [";;"] * blank_rows
    return SimpleUploadedFile("budget.csv", ("\r\n".join(lines) + "\r\n").encode())


def fill(budget, count: int):
    """Give ``budget`` ``count`` lines in all (five balanced ones, then small supplies)."""
    add_balanced_lines(budget)
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, code="606", label=f"Fournitures {i:03d}", amount=Decimal("1"), position=100 + i)
        for i in range(count - budget.lines.count())
    )
    assert budget.lines.count() == count
    return budget


def lines_of(budget):
    return sorted(BudgetLine.objects.filter(budget=budget).values_list("code", "label", "amount"))


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def member_client(client, db):
    member = UserFactory(username="tresoriere")
    client.force_login(member)
    client.beneficiary = MembershipFactory(user=member).beneficiary
    return client


# --- The lines of a budget ------------------------------------------------------------------------


def test_an_import_of_one_line_past_the_bound_is_refused_with_the_bound(user):
    budget = add_balanced_lines(BudgetFactory())
    before = lines_of(budget)
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=csv_upload(MAX_BUDGET_LINES + 1), user=user)
    assert exc.value.messages == [f"{BOUND_MESSAGE} : ce fichier en contient 301."]
    assert lines_of(budget) == before
    summary = budget_import(budget=budget, uploaded_file=csv_upload(MAX_BUDGET_LINES), user=user)
    assert summary.lines == MAX_BUDGET_LINES == budget.lines.count()


def test_the_issue_s_twenty_thousand_line_file_is_refused_with_its_count(user):
    budget = add_balanced_lines(BudgetFactory())
    before = lines_of(budget)
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=csv_upload(20_000), user=user)
    assert exc.value.messages == [f"{BOUND_MESSAGE} : ce fichier en contient 20{NNBSP}000."]
    assert lines_of(budget) == before


def test_a_sheet_of_endless_rows_stops_being_read_at_the_scan_limit(user):
    budget = add_balanced_lines(BudgetFactory())
    before = lines_of(budget)
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=csv_upload(3, blank_rows=MAX_SCANNED_ROWS), user=user)
    assert exc.value.messages == [f"{BOUND_MESSAGE} : ce fichier a plus de 25{NNBSP}000 lignes."]
    assert lines_of(budget) == before


def test_an_imported_explanation_longer_than_the_form_allows_is_refused(user):
    budget = add_balanced_lines(BudgetFactory())
    before = lines_of(budget)
    text = "x" * 2001
    upload = SimpleUploadedFile("b.csv", f"Compte;Montant;Explication de l'écart\r\n641;10;{text}\r\n".encode())
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=upload, user=user)
    assert exc.value.messages == ["Ligne 2, colonne « Explication de l'écart » : L'explication compte 2001 caractères : "
                                  "2000 au plus."]
    assert lines_of(budget) == before


def test_the_service_refuses_a_budget_past_the_bound(user):
    budget = add_balanced_lines(BudgetFactory())
    before = lines_of(budget)
    lines = [LineInput(code="606", label=f"Fournitures {i}", amount=Decimal("1")) for i in range(MAX_BUDGET_LINES + 1)]
    with pytest.raises(ValidationError) as exc:
        budget_save_lines(budget=budget, lines=lines, user=user)
    assert exc.value.messages == [f"{BOUND_MESSAGE} : celui-ci en compterait 301. Regroupez des lignes du même compte."]
    assert lines_of(budget) == before


def test_the_portal_form_saves_a_budget_at_the_bound_and_refuses_a_line_past_it(member_client):
    budget = fill(BudgetFactory(convention__beneficiary=member_client.beneficiary), MAX_BUDGET_LINES)
    target = reverse("portal_budgets:forecast", args=[budget.convention_id])
    response = member_client.get(target)
    response = member_client.post(target, form_data(response, **{field_name(response, "641", "Salaires"): "6 100"}))
    assert response.status_code == 302
    assert budget.lines.get(label="Salaires").amount == Decimal("6100")
    response = member_client.get(target)
    spare = spare_row(response, "60")
    data = form_data(response, **{spare.add_prefix("code"): "606", spare.add_prefix("label"): "Encore une",
                                  spare.add_prefix("amount"): "10"})
    response = member_client.post(target, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Un budget compte au plus 300 lignes : celui-ci en compterait 301." in page
    assert budget.lines.count() == MAX_BUDGET_LINES and not budget.lines.filter(label="Encore une").exists()


def test_the_admin_refuses_a_line_past_the_bound(client, db):
    client.force_login(staff_user("agent", AGENT))
    budget = fill(BudgetFactory(), MAX_BUDGET_LINES)
    target = reverse("admin:budgets_budget_change", args=[budget.pk])
    response = client.get(target)
    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.model is BudgetLine)
    index = formset.total_form_count()
    prefix = formset.prefix
    data = change_form_data(response, **{
        f"{prefix}-TOTAL_FORMS": str(index + 1), f"{prefix}-{index}-code": "606",
        f"{prefix}-{index}-label": "Encore une", f"{prefix}-{index}-amount": "10",
    })
    response = client.post(target, data)
    assert response.status_code == 200
    assert "Un budget compte au plus 300 lignes : celui-ci en compterait 301." in response.content.decode()
    assert budget.lines.count() == MAX_BUDGET_LINES and not budget.lines.filter(label="Encore une").exists()


def test_the_admin_budget_page_offers_a_saved_line_only_its_chapter_s_accounts(client, db):
    """At the bound, the whole chart on every saved line made the page 3 MB and 9 s (bench/bounds.py)."""
    client.force_login(staff_user("agent", AGENT))
    budget = fill(BudgetFactory(), 50)
    response = client.get(reverse("admin:budgets_budget_change", args=[budget.pk]))
    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.model is BudgetLine)

    def offered(form):
        return [code for group, options in form.fields["code"].choices if isinstance(options, list | tuple)
                for code, _label in options]

    salaries = next(form for form in formset.forms if form.instance.pk and form.instance.label == "Salaires")
    assert offered(salaries) == ["641", "645", "647"]
    new = next(form for form in formset.forms if not form.instance.pk)
    assert len(offered(new)) == len(chart.ACCOUNTS)
    page = response.content.decode()
    assert page.count("<option") < 50 * 10 + 3 * len(chart.ACCOUNTS) * 2


# --- An import from a page older than the budget ----------------------------------------------------


def test_a_portal_import_sent_from_a_stale_page_is_refused_as_stale(member_client, user):
    budget = add_balanced_lines(BudgetFactory(convention__beneficiary=member_client.beneficiary))
    target = reverse("portal_budgets:forecast_import", args=[budget.convention_id])
    opened_at = member_client.get(target).context["form"]["version"].value()
    assert opened_at == budget.version
    budget_save_lines(budget=budget, lines=[LineInput(code="641", label="Salaires", amount=Decimal("1"))], user=user)
    before = lines_of(budget)
    for posted in ({"version": opened_at}, {}):  # a stale page, or a post without its version
        response = member_client.post(target, {"file": csv_upload(3), **posted})
        assert response.status_code == 200
        assert STALE.replace("'", "&#x27;") in response.content.decode()
        assert lines_of(budget) == before


def test_an_admin_import_sent_from_a_stale_page_is_refused_as_stale(client, user):
    client.force_login(staff_user("agent", AGENT))
    budget = add_balanced_lines(BudgetFactory())
    target = reverse("admin:budgets_budget_import", args=[budget.pk])
    opened_at = client.get(target).context["form"]["version"].value()
    budget_save_lines(budget=budget, lines=[LineInput(code="641", label="Salaires", amount=Decimal("1"))], user=user)
    before = lines_of(budget)
    for posted in ({"version": opened_at}, {}):
        response = client.post(target, {"file": csv_upload(3), **posted})
        assert response.status_code == 200
        assert STALE.replace("'", "&#x27;") in response.content.decode()
        assert lines_of(budget) == before


# --- The documents of an agreement ---------------------------------------------------------------


def documents_of(convention):
    return sorted(Document.objects.filter(convention=convention).values_list("kind", flat=True))


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def hand_added(convention, count: int):
    """Give ``convention`` ``count`` documents added by hand (a board change each)."""
    Document.objects.bulk_create(Document(convention=convention, kind=DocumentKind.BOARD_CHANGE) for _ in range(count))


def test_a_document_added_past_the_bound_is_refused_room_kept_for_those_owed(superuser_client):
    convention = ConventionFactory(status=Status.ACTIVE)
    hand_added(convention, MAX_DOCUMENTS_PER_AGREEMENT - len(OWED_KINDS))  # the owed ten still to come
    before = documents_of(convention)
    response = superuser_client.post(reverse("admin:documents_document_add"), {
        "convention": convention.pk, "kind": DocumentKind.LOGO_PROOF, "due_on": ""})
    assert response.status_code == 200
    assert ("Une convention compte au plus 100 justificatifs, pièces dues comprises (10) : celle-ci en compterait "
            "101.") in response.content.decode()
    assert documents_of(convention) == before
    documents_expect(convention=convention)  # what the law asks is still scheduled, within the bound
    assert convention.documents.filter(kind=DocumentKind.INSURANCE).exists()
    assert convention.documents.count() <= MAX_DOCUMENTS_PER_AGREEMENT


def test_the_agreement_page_refuses_a_document_row_past_the_bound(superuser_client):
    convention = ConventionFactory(status=Status.ACTIVE)
    documents_expect(convention=convention)
    hand_added(convention, MAX_DOCUMENTS_PER_AGREEMENT - convention.documents.count())
    before = documents_of(convention)
    target = reverse("admin:conventions_convention_change", args=[convention.pk])
    response = superuser_client.get(target)
    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.model is Document)
    index, prefix = formset.total_form_count(), formset.prefix
    response = superuser_client.post(target, change_form_data(response, **{
        f"{prefix}-TOTAL_FORMS": str(index + 1), f"{prefix}-{index}-kind": DocumentKind.LOGO_PROOF,
        f"{prefix}-{index}-due_on": "31/12/2026",
    }))
    assert response.status_code == 200
    assert "Une convention compte au plus 100 justificatifs" in response.content.decode()
    assert documents_of(convention) == before


# --- Indicator sets and reports --------------------------------------------------------------------


def test_a_set_of_more_indicators_than_the_bound_is_refused_before_writing(db):
    definitions = [DefinitionInput(f"i{n}", f"Indicateur {n}") for n in range(MAX_DEFINITIONS_PER_SET - 1)]
    definitions.append(DefinitionInput("bands", "Entreprises", bands=[("small", "< 10"), ("large", "> 500")]))
    with pytest.raises(ValidationError) as exc:
        indicator_set_upsert(name="Trop grand", structure_type="Tous", year=2026, definitions=definitions)
    assert exc.value.messages == ["Un jeu compte au plus 200 indicateurs (tranches et « dont » compris) : celui-ci en "
                                  "compterait 202."]
    assert not IndicatorSet.objects.filter(name="Trop grand").exists()


def test_the_set_admin_refuses_an_indicator_row_past_the_bound(superuser_client):
    indicator_set = IndicatorSetFactory()
    IndicatorDefinition.objects.bulk_create(
        IndicatorDefinition(indicator_set=indicator_set, code=f"i{n}", label=f"Indicateur {n}", position=n)
        for n in range(MAX_DEFINITIONS_PER_SET))
    target = reverse("admin:indicators_indicatorset_change", args=[indicator_set.pk])
    response = superuser_client.get(target)
    formset = response.context["inline_admin_formsets"][0].formset
    index, prefix = formset.total_form_count(), formset.prefix
    response = superuser_client.post(target, change_form_data(response, **{
        f"{prefix}-TOTAL_FORMS": str(index + 1), f"{prefix}-{index}-code": "encore", f"{prefix}-{index}-label": "Encore",
        f"{prefix}-{index}-role": "main", f"{prefix}-{index}-value_type": "count", f"{prefix}-{index}-position": "999",
        f"{prefix}-{index}-is_required": "on",
    }))
    assert response.status_code == 200
    assert "Un jeu compte au plus 200 indicateurs (tranches et « dont » compris) : celui-ci en compterait 201." \
        in response.content.decode()
    assert indicator_set.definitions.count() == MAX_DEFINITIONS_PER_SET


def test_a_report_is_not_opened_on_a_set_past_the_bound(db):
    indicator_set = IndicatorSetFactory()
    IndicatorDefinition.objects.bulk_create(  # a set grown past the bound before the bound existed
        IndicatorDefinition(indicator_set=indicator_set, code=f"i{n}", label=f"Indicateur {n}", position=n)
        for n in range(MAX_DEFINITIONS_PER_SET + 1))
    convention = ConventionFactory(status=Status.ACTIVE)
    with pytest.raises(ValidationError) as exc:
        indicator_report_open(convention=convention, indicator_set=indicator_set)
    assert exc.value.messages == ["Un rapport compte au plus 200 valeurs d'indicateurs : son jeu en demanderait 201. "
                                  "Réduisez le jeu d'indicateurs dans l'administration."]
    assert not IndicatorReport.objects.filter(convention=convention).exists()
    assert not IndicatorValue.objects.filter(definition__indicator_set=indicator_set).exists()
