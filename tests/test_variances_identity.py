"""Actual-budget variances by line identity: an actual line is compared with the forecast line it
realises (``BudgetLine.forecast_line``), renamed or moved to another account; a forecast line no
actual line realises counts 0 € realised and its explanation is asked before the deposit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus
from budgets.rules import budget_variances, lines_to_link
from budgets.services import (
    LineInput,
    budget_create_actual,
    budget_import,
    budget_save_lines,
    budget_submit,
)
from conventions.models import Status
from core.roles import AGENT
from tests.admin_forms import change_form_data
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
    staff_user,
)
from tests.test_budget_portal import field_name, form_data, spare_row
from tests.test_portal_multiyear import yearly_agreement, yearly_forecast

D = Decimal


@pytest.fixture
def member(db):
    return UserFactory(username="tresorier-ecarts")


@pytest.fixture
def convention(member):
    """A signed agreement whose forecast (validated) is the factories' balanced budget."""
    membership = MembershipFactory(user=member)
    convention = ConventionFactory(beneficiary=membership.beneficiary, amount_granted=D("10000"), status=Status.ACTIVE)
    add_balanced_lines(BudgetFactory(convention=convention, status=BudgetStatus.VALIDATED))
    return convention


@pytest.fixture
def actual(convention, member):
    return budget_create_actual(convention=convention, user=member)


@pytest.fixture
def client_member(client, member):
    client.force_login(member)
    return client


def portal_url(convention):
    return reverse("portal_budgets:actual", args=[convention.pk])


def by_label(variances):
    return {v.label: v for v in variances.lines}


def forecast_line(convention, label):
    return BudgetLine.objects.get(budget__convention=convention, budget__kind=BudgetKind.FORECAST, label=label)


def test_the_actual_budget_created_from_the_forecast_links_each_line(convention, actual):
    links = dict(actual.lines.values_list("label", "forecast_line__label"))
    assert links == {"Salaires": "Salaires", "Loyer": "Loyer", "Bénévolat": "Bénévolat",
                     "Métropole Aix-Marseille-Provence": "Métropole Aix-Marseille-Provence", "Bénévoles": "Bénévoles"}


def test_renaming_a_line_in_the_portal_keeps_its_forecast_line_and_its_variance(client_member, convention, actual,
                                                                              member):
    response = client_member.get(portal_url(convention))
    amounts = {code: field_name(response, code, label) for code, label in actual.lines.values_list("code", "label")}
    data = form_data(response, **{amounts["641"]: "6000", amounts["613"]: "4000", amounts["864"]: "500",
                                  amounts["744"]: "10000", amounts["870"]: "500",
                                  amounts["613"].replace("amount", "label"): "Loyer du local rue Paradis"})
    client_member.post(portal_url(convention), data)
    renamed = actual.lines.get(code="613")
    assert renamed.label == "Loyer du local rue Paradis"
    assert renamed.forecast_line == forecast_line(convention, "Loyer")
    rent = by_label(budget_variances(convention))["Loyer du local rue Paradis"]
    assert (rent.forecast, rent.actual, rent.difference, rent.needs_explanation) == (D("4000"), D("4000"), 0, False)
    assert "Loyer" not in by_label(budget_variances(convention))  # no « −100 % » left on the forecast line
    page = client_member.get(portal_url(convention)).content.decode()
    assert "prévue : « 613 Loyer »" in page
    budget_submit(budget=actual, user=member)
    actual.refresh_from_db()
    assert actual.status == BudgetStatus.SUBMITTED  # nothing « non prévue », nothing to explain


def test_changing_a_lines_account_in_the_admin_keeps_its_forecast_line(client, convention, actual):
    client.force_login(staff_user("agent-ecarts", AGENT))
    url = reverse("admin:budgets_budget_change", args=[actual.pk])
    response = client.get(url)
    formset = response.context["inline_admin_formsets"][0].formset
    index = next(i for i, form in enumerate(formset.forms) if form.instance.code == "641")
    prefix = formset.prefix
    data = change_form_data(response, **{f"{prefix}-{index}-code": "645", f"{prefix}-{index}-label": "Charges sociales",
                                         f"{prefix}-{index}-amount": "6000"})
    assert client.post(url, data).status_code == 302
    moved = actual.lines.get(label="Charges sociales")
    assert (moved.code, moved.forecast_line) == ("645", forecast_line(convention, "Salaires"))
    variance = by_label(budget_variances(convention))["Charges sociales"]
    assert (variance.forecast, variance.actual, variance.is_renamed) == (D("6000"), D("6000"), True)


def test_the_admin_inline_offers_the_forecast_lines_for_a_new_line(client, convention, actual):
    client.force_login(staff_user("agent-ecarts", AGENT))
    url = reverse("admin:budgets_budget_change", args=[actual.pk])
    actual.lines.filter(code="613").delete()
    response = client.get(url)
    page = response.content.decode()
    assert "Réalise la ligne prévue" in page and "613 Loyer (4\u202f000\u00a0€)" in page
    formset = response.context["inline_admin_formsets"][0].formset
    new = formset.initial_form_count()
    prefix = formset.prefix
    data = change_form_data(response, **{f"{prefix}-{new}-code": "613", f"{prefix}-{new}-label": "Location de salle",
                                         f"{prefix}-{new}-amount": "3900",
                                         f"{prefix}-{new}-forecast_line": str(forecast_line(convention, "Loyer").pk)})
    assert client.post(url, data).status_code == 302
    assert actual.lines.get(label="Location de salle").forecast_line == forecast_line(convention, "Loyer")


def test_the_import_links_a_row_by_account_and_label(convention, actual, member):
    rows = ["Compte;Libellé;Montant", "641;Salaires;6000", "613;Loyer;4000", "864;Bénévolat;500",
            "744;Métropole Aix-Marseille-Provence;10000", "870;Bénévoles;500", "606;Fournitures;80"]
    actual.lines.all().delete()  # the file brings every line anew
    upload = SimpleUploadedFile("realise.csv", ("\r\n".join(rows) + "\r\n").encode())
    budget_import(budget=actual, uploaded_file=upload, user=member)
    links = dict(actual.lines.values_list("label", "forecast_line__label"))
    assert links["Salaires"] == "Salaires" and links["Loyer"] == "Loyer"
    assert links["Fournitures"] is None  # not forecast
    record = actual.lines.get(label="Salaires").history.first()
    assert record.forecast_line_id == forecast_line(convention, "Salaires").pk and record.history_user == member


def test_unlinked_lines_fall_back_on_account_and_label_and_a_link_comes_first(convention):
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL)
    BudgetLineFactory(budget=actual, code="641", label="Salaires", amount=D("6100"))  # unlinked, same key
    BudgetLineFactory(budget=actual, code="613", label="Loyer", amount=D("100"))  # same key, but the forecast
    BudgetLineFactory(budget=actual, code="613", label="Loyer du local", amount=D("3900"),  # line is linked here
                      forecast_line=forecast_line(convention, "Loyer"))
    variances = by_label(budget_variances(convention))
    assert (variances["Salaires"].forecast, variances["Salaires"].actual) == (D("6000"), D("6100"))
    assert (variances["Loyer du local"].forecast, variances["Loyer du local"].actual) == (D("4000"), D("3900"))
    assert (variances["Loyer"].forecast, variances["Loyer"].forecast_line) == (0, None)  # « non prévue »


def test_a_forecast_line_missing_counts_zero_and_its_explanation_is_asked(client_member, convention, actual, member):
    actual.lines.filter(code="613").delete()
    BudgetLine.objects.filter(budget=actual, code="641").update(amount=D("10000"), explanation="Embauche")
    _at_forecast(actual)
    rent = by_label(budget_variances(convention))["Loyer"]
    assert (rent.forecast, rent.actual, rent.percent, rent.is_unrealised, rent.missing_explanation) == (
        D("4000"), 0, D("-1"), True, True)
    with pytest.raises(ValidationError) as refusal:
        budget_submit(budget=actual, user=member)
    assert ("La ligne prévue « 613 Loyer » (4\u202f000\u00a0€) n'a pas de montant réalisé : laissez-la à 0\u00a0€ et "
            "expliquez l'écart.") in refusal.value.messages

    response = client_member.get(portal_url(convention))
    page = response.content.decode()
    assert "Une ligne prévue n'a pas été réalisée ? Laissez-la à 0&nbsp;€ et expliquez l'écart." in page
    assert "4\u202f000\u00a0€" in page and "\u2212100,00\u00a0%" in page  # its row: forecast, −100 %
    explanation = field_name(response, "613", "Loyer", "explanation")
    data = form_data(response, **{explanation: "Local prêté par la mairie", "action": "submit"})
    response = client_member.post(portal_url(convention), data, follow=True)  # saved; the confirmation page next
    assert "Confirmer le dépôt du budget réalisé" in response.content.decode()
    actual.refresh_from_db()
    confirm = reverse("portal_budgets:actual_submit", args=[convention.pk])
    response = client_member.post(confirm, {"version": actual.version, "confirm": "1"}, follow=True)
    assert "Le budget est déposé." in response.content.decode()
    realised = actual.lines.get(code="613")
    assert (realised.amount, realised.forecast_line, realised.explanation) == (
        D("0.00"), forecast_line(convention, "Loyer"), "Local prêté par la mairie")


def _at_forecast(actual):
    """Set every line but the salaries at its forecast amount."""
    for line in actual.lines.exclude(code="641").select_related("forecast_line"):
        line.amount = line.forecast_line.amount
        line.save()


def test_a_new_portal_line_realises_the_forecast_line_chosen(client_member, convention, actual):
    actual.lines.filter(code="613").delete()
    response = client_member.get(portal_url(convention))
    spare = spare_row(response, "61")
    assert [label for _pk, label in spare.fields["forecast_line"].choices][1:] == ["613 Loyer (4\u202f000\u00a0€)"]
    rent = forecast_line(convention, "Loyer")
    data = form_data(response, **{spare.add_prefix("code"): "613", spare.add_prefix("label"): "Location de salle",
                                  spare.add_prefix("amount"): "4000", spare.add_prefix("forecast_line"): str(rent.pk)})
    client_member.post(portal_url(convention), data)
    assert actual.lines.get(label="Location de salle").forecast_line == rent
    assert "Loyer" not in by_label(budget_variances(convention))

    # The forecast line once realised, the same choice from another row is refused, nothing saved.
    response = client_member.get(portal_url(convention))
    assert "forecast_line" not in spare_row(response, "61").fields


def test_two_lines_cannot_realise_one_forecast_line(convention, actual, member):
    rent = forecast_line(convention, "Loyer")
    lines = [LineInput(line.code, line.amount, line.label, line_id=line.pk) for line in actual.lines.all()]
    lines.append(LineInput("615", D("10"), "Entretien", forecast_line_id=rent.pk))
    with pytest.raises(ValidationError) as refusal:
        budget_save_lines(budget=actual, lines=lines, user=member)
    assert refusal.value.messages == [
        "La ligne prévue « Loyer » est réalisée deux fois : par « Loyer » et par « Entretien ». Une ligne prévue "
        "n'a qu'une ligne réalisée."]
    other = BudgetLineFactory(budget=BudgetFactory(), code="613", label="Loyer")  # another agreement's
    with pytest.raises(ValidationError):
        budget_save_lines(budget=actual, lines=[LineInput("613", D("1"), "Loyer bis", forecast_line_id=other.pk)],
                          user=member)
    assert actual.lines.count() == 5


def test_a_multi_year_agreement_compares_the_years_forecast_only(db, member):
    agreement = yearly_agreement()
    yearly_forecast(agreement, 2025, "40000", charges="150000")
    yearly_forecast(agreement, 2026, "42000", charges="90000")
    actual = budget_create_actual(convention=agreement, user=member, year=2026)
    assert set(actual.lines.values_list("forecast_line__budget__year", flat=True)) == {2026}
    BudgetLine.objects.filter(budget=actual, code="641").update(label="Salaires 2026", amount=D("91000"))
    salaries = by_label(budget_variances(agreement, year=2026))["Salaires 2026"]
    assert (salaries.forecast, salaries.actual) == (D("90000"), D("91000"))
    assert [v.forecast for v in budget_variances(agreement, year=2025).lines if v.code == "641"] == [D("150000")]
    # The migration's rule pairs an unlinked line with its own year's forecast line only.
    BudgetLine.objects.filter(budget=actual).update(forecast_line=None)
    linked = {line.code: line.forecast_line_id for line in lines_to_link(BudgetLine)}
    forecast_2026 = Budget.objects.get(convention=agreement, kind=BudgetKind.FORECAST, year=2026)
    assert linked == {code: forecast_2026.lines.get(code=code).pk for code in ("744", "756")}  # 641 was renamed


def test_the_admin_comparison_and_the_portal_show_the_same_figures(client, client_member, convention, actual):
    actual.lines.filter(code="613").delete()
    BudgetLine.objects.filter(budget=actual, code="641").update(label="Salaires et charges", amount=D("7000"))
    portal = client_member.get(portal_url(convention)).context["variances"]
    client.force_login(staff_user("agent-ecarts", AGENT))
    response = client.get(reverse("admin:budgets_budget_compare", args=[convention.pk]))
    admin = response.context["variances"]
    figures = [(v.code, v.label, v.forecast, v.actual, v.difference, v.percent) for v in admin.lines]
    assert figures == [(v.code, v.label, v.forecast, v.actual, v.difference, v.percent) for v in portal.lines]
    assert ("613", "Loyer", D("4000.00"), 0, D("-4000.00"), D("-1")) in figures
    assert ("641", "Salaires et charges", D("6000.00"), D("7000.00"), D("1000.00")) in [row[:5] for row in figures]
    page = response.content.decode()
    assert "prévue : « 641 Salaires »" in page and "non réalisée" in page


def test_the_migrations_rule_links_existing_lines_by_account_and_label(convention):
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL)
    for code, label in (("641", "Salaires"), ("613", "Loyer"), ("606", "Fournitures")):
        BudgetLineFactory(budget=actual, code=code, label=label)
    already = BudgetLineFactory(budget=actual, code="864", label="Bénévoles du samedi",
                                forecast_line=forecast_line(convention, "Bénévolat"))
    linked = {line.label: line.forecast_line_id for line in lines_to_link(BudgetLine)}
    assert linked == {"Salaires": forecast_line(convention, "Salaires").pk,
                      "Loyer": forecast_line(convention, "Loyer").pk}  # « Fournitures » was never forecast
    assert already.pk not in {line.pk for line in lines_to_link(BudgetLine)}


def test_two_lines_swapping_their_labels_are_refused_in_french(convention, actual, member):
    salaries, rent = actual.lines.get(label="Salaires"), actual.lines.get(label="Loyer")
    BudgetLine.objects.filter(pk=rent.pk).update(code="641")  # two lines of one account
    lines = [LineInput(line.code, line.amount, line.label, line_id=line.pk) for line in actual.lines.all()]
    lines = [LineInput("641", D("1"), {"Salaires": "Loyer", "Loyer": "Salaires"}.get(line.label, line.label),
                       line_id=line.line_id) if line.line_id in (salaries.pk, rent.pk) else line for line in lines]
    with pytest.raises(ValidationError) as refusal:
        budget_save_lines(budget=actual, lines=lines, user=member)
    assert refusal.value.messages == ["Deux lignes échangent leur compte et libellé : renommez-les l'une après "
                                      "l'autre, en enregistrant entre les deux."]
    assert set(actual.lines.filter(code="641").values_list("label", flat=True)) == {"Salaires", "Loyer"}
