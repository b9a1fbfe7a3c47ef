"""The association's budget pages: its own agreements only, the Cerfa form grouped by chapter,
draft / recalculate / submit, read-only once submitted, import, and the actual budget."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus
from budgets.services import budget_create_actual
from conventions.models import Convention, Status
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
)
from tests.portal_confirm import confirm

# Each includes the portal header's one query for the member's associations (association picker).
FORM_QUERIES = 11
ACTUAL_FORM_QUERIES = 14
OVERVIEW_QUERIES = 7
IMPORT_PAGE_QUERIES = 7


@pytest.fixture
def member(db):
    return UserFactory(username="tresoriere")


@pytest.fixture
def convention(member):
    """An agreement before signature: the association fills its forecast budget."""
    membership = MembershipFactory(user=member)
    return ConventionFactory(beneficiary=membership.beneficiary, amount_granted=Decimal("10000"),
                             status=Status.DRAFT)


@pytest.fixture
def client_member(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def forecast(convention):
    return add_balanced_lines(BudgetFactory(convention=convention))


@pytest.fixture
def signed(forecast):
    """The agreement once signed (and notified): its forecast is frozen, the actual budget opens."""
    Convention.objects.filter(pk=forecast.convention_id).update(status=Status.ACTIVE)
    forecast.convention.refresh_from_db()
    return forecast


def url(name, convention, *args):
    return reverse(f"portal_budgets:{name}", args=[convention.pk, *args])


def form_data(response, **changes):
    """Return what the browser would post back from the page, with ``changes`` (field name → value)."""
    formset = response.context["formset"]
    data = {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
    data["version"] = response.context["budget"].version if response.context["budget"] else 0  # as the page
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if name == "code" and not value:
                value = field.choices[0][0]  # a browser posts the select's first option
            if name == "is_granting_funder":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value
    data.update(changes)
    return data


def field_name(response, code, label, name="amount"):
    for form in response.context["formset"].forms:
        if form.spec.code == code and (form.spec.label == label or (form.spec.is_spare and label == "")):
            return form.add_prefix(name)
    raise AssertionError(f"no row {code} {label}")


def spare_row(response, chapter):
    return next(form for form in response.context["formset"].forms
                if form.spec.is_spare and form.spec.chapter.code == chapter)


# --- Tenant isolation -------------------------------------------------------------------------------

PORTAL_URLS = [
    ("overview", ()), ("forecast", ()), ("forecast_import", ()), ("forecast_export", ("xlsx",)),
    ("actual", ()), ("actual_create", ()), ("actual_import", ()), ("actual_export", ("csv",)), ("template", ("xlsx",)),
]


@pytest.mark.parametrize("name, args", PORTAL_URLS)
def test_a_member_of_another_association_gets_404(client, forecast, name, args):
    stranger = MembershipFactory().user
    client.force_login(stranger)
    target = url(name, forecast.convention, *args)
    assert client.get(target).status_code == 404
    assert client.post(target, {"action": "submit"}).status_code == 404
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT and forecast.lines.count() == 5


@pytest.mark.parametrize("name, args", PORTAL_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, forecast, name, args):
    response = client.get(url(name, forecast.convention, *args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_an_inactive_membership_gives_no_access(client, forecast, member):
    member.memberships.update(is_active=False)
    client.force_login(member)
    assert client.get(url("forecast", forecast.convention)).status_code == 404


# --- The forecast form ----------------------------------------------------------------------------


def test_the_form_follows_the_cerfa_chapters_with_labelled_fields(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    page = response.content.decode()
    assert page.index("60 – Achats") < page.index("64 – Charges de personnel") < page.index('<h2 class="side-title">Produits</h2>') \
        < page.index("74 – Subventions d&#x27;exploitation") < page.index("87 – Contributions volontaires en nature")
    assert "Budget équilibré" in page and "10\u202f000\u00a0€" in page
    salaries = field_name(response, "641", "Salaires")
    assert f'<label class="sr-only" for="id_{salaries}">Montant — 641 Salaires</label>' in page
    assert 'value="6 000,00"' in page
    assert 'name="action" value="recalculate"' in page and "Recalculer" in page
    assert "js/budget_form.js" in page


def test_form_query_count_does_not_grow_with_lines(client_member, forecast):
    target = url("forecast", forecast.convention)
    client_member.get(target)
    with CaptureQueriesContext(connection) as before:
        client_member.get(target)
    BudgetLine.objects.bulk_create(BudgetLine(budget=forecast, code="606", label=f"Ajout {i}", amount=Decimal("1"))
                                   for i in range(30))
    with CaptureQueriesContext(connection) as after:
        client_member.get(target)
    assert len(after) == len(before) == FORM_QUERIES


def test_saving_a_draft_updates_the_lines_and_keeps_others(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    spare = spare_row(response, "74")
    data = form_data(response, **{
        field_name(response, "641", "Salaires"): "6 500,50",
        spare.add_prefix("code"): "742", spare.add_prefix("label"): "Région Sud",
        spare.add_prefix("amount"): "1\u202f000", spare.add_prefix("funding_status"): "requested",
        "action": "save",
    })
    response = client_member.post(url("forecast", forecast.convention), data)
    assert response.status_code == 302
    lines = dict(forecast.lines.values_list("label", "amount"))
    assert lines["Salaires"] == Decimal("6500.50") and lines["Région Sud"] == Decimal("1000")
    assert forecast.lines.get(label="Région Sud").funding_status == "requested"
    assert len(lines) == 6


def test_a_bad_amount_is_tied_to_its_field_and_nothing_is_saved(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    name = field_name(response, "613", "Loyer")
    response = client_member.post(url("forecast", forecast.convention), form_data(response, **{name: "-40"}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs : rien n'a été enregistré." in page
    assert f'<a href="#id_{name}">Montant — 613 Loyer : Le montant ne peut pas être négatif (« -40 »).</a>' in page
    assert f'aria-invalid="true" aria-describedby="id_{name}-erreur"' in page
    assert forecast.lines.get(label="Loyer").amount == Decimal("4000")


def test_a_line_twice_is_refused_on_its_label(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    spare = spare_row(response, "64")
    data = form_data(response, **{spare.add_prefix("code"): "641", spare.add_prefix("label"): "Salaires",
                                  spare.add_prefix("amount"): "10"})
    page = client_member.post(url("forecast", forecast.convention), data).content.decode()
    assert "La ligne « 641 Salaires » figure déjà plus haut : donnez-lui un autre libellé." in page
    assert forecast.lines.count() == 5


def test_recalculate_saves_the_draft_and_shows_the_gap(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    data = form_data(response, **{field_name(response, "641", "Salaires"): "6793", "action": "recalculate"})
    response = client_member.post(url("forecast", forecast.convention), data, follow=True)
    assert response.redirect_chain[-1][0].endswith("#totaux")
    page = response.content.decode()
    assert "Brouillon enregistré, totaux recalculés." in page
    assert "Le budget n&#x27;est pas équilibré : les charges dépassent les produits de 793\u00a0€." in page


def test_an_unbalanced_budget_is_not_submitted_and_the_gap_is_shown(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    data = form_data(response, **{field_name(response, "641", "Salaires"): "6793", "action": "submit"})
    response = client_member.post(url("forecast", forecast.convention), data, follow=True)
    page = response.content.decode()
    assert 'id="erreurs"' in page and "Le budget ne peut pas être déposé en l'état." in page
    assert "les charges dépassent les produits de 793\u00a0€." in page
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT and forecast.lines.get(label="Salaires").amount == Decimal("6793")


def test_a_balanced_budget_is_submitted_then_read_only(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    response = client_member.post(url("forecast", forecast.convention), form_data(response, action="submit"),
                                  follow=True)
    response = confirm(client_member, response)
    assert "Le budget est déposé." in response.content.decode()
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.SUBMITTED
    page = client_member.get(url("forecast", forecast.convention)).content.decode()
    assert "il est en lecture seule" in page and "<input type=\"text\"" not in page and "Recalculer" not in page
    assert "6\u202f000\u00a0€" in page
    data = form_data(response, **{field_name(response, "641", "Salaires"): "1"})
    page = client_member.post(url("forecast", forecast.convention), data).content.decode()
    assert "Ce budget est déposé : il ne peut plus être modifié" in page
    assert forecast.lines.get(label="Salaires").amount == Decimal("6000")


def test_a_returned_budget_shows_the_agents_comment_and_is_editable(client_member, forecast):
    forecast.status, forecast.review_comment = BudgetStatus.RETURNED, "Le loyer semble élevé."
    forecast.save()
    page = client_member.get(url("forecast", forecast.convention)).content.decode()
    assert "Le service instructeur vous a renvoyé ce budget" in page and "Le loyer semble élevé." in page
    assert "Déposer le budget" in page


def test_a_page_left_open_cannot_overwrite_a_newer_save(client_member, forecast):
    response = client_member.get(url("forecast", forecast.convention))
    client_member.post(url("forecast", forecast.convention), form_data(response))
    page = client_member.post(url("forecast", forecast.convention), form_data(response)).content.decode()
    assert "Ce budget a été modifié par quelqu&#x27;un d&#x27;autre" in page


def test_a_first_forecast_is_created_on_save(client_member, convention):
    response = client_member.get(url("forecast", convention))
    assert response.context["budget"] is None
    assert "Saisissez les montants : les totaux se calculent au fur et à mesure." in response.content.decode()
    data = form_data(response, **{field_name(response, "641", "Rémunération des personnels"): "100"})
    client_member.post(url("forecast", convention), data)
    assert Budget.objects.get(convention=convention).lines.get().amount == Decimal("100")


# --- Import, template and export ---------------------------------------------------------------------


def test_member_imports_a_file_or_sees_its_errors_per_row(client_member, forecast):
    target = url("forecast_import", forecast.convention)
    bad = SimpleUploadedFile("b.csv", "Compte;Libellé;Montant\r\n641;Salaires;6000\r\n9999;X;1\r\n".encode())
    page = client_member.post(target, {"file": bad, "version": forecast.version}).content.decode()
    assert "Le fichier est refusé : aucune ligne n&#x27;a été enregistrée." not in page  # apostrophes kept as text
    assert "Le fichier est refusé : aucune ligne n'a été enregistrée." in page
    assert "<td>3</td><td>Compte</td><td>Le compte « 9999 » n&#x27;existe pas dans le plan du Cerfa 12156.</td>" in page
    assert forecast.lines.count() == 5
    good = SimpleUploadedFile("b.csv", "Compte;Libellé;Montant\r\n641;Salaires;7000\r\n".encode())
    response = client_member.post(target, {"file": good, "version": forecast.version}, follow=True)
    assert "Import réussi : 1 lignes enregistrées en brouillon." in response.content.decode()
    assert list(forecast.lines.values_list("label", "amount")) == [("Salaires", Decimal("7000"))]


def test_import_without_a_file_says_so_on_the_field(client_member, forecast):
    page = client_member.post(url("forecast_import", forecast.convention), {}).content.decode()
    assert "Fichier du budget (.xlsx ou .csv) : Ce champ est obligatoire." in page


def test_member_downloads_the_template_and_exports_the_budget(client_member, forecast):
    response = client_member.get(url("template", forecast.convention, "csv"))
    assert response["Content-Disposition"] == 'attachment; filename="modele-budget-cerfa-12156.csv"'
    response = client_member.get(url("forecast_export", forecast.convention, "csv"))
    assert "Salaires" in response.content.decode("utf-8-sig")
    assert client_member.get(url("actual_export", forecast.convention, "csv")).status_code == 404  # none yet
    assert client_member.get(url("template", forecast.convention, "exe")).status_code == 404


# --- The actual budget ---------------------------------------------------------------------------------


def test_the_actual_budget_is_created_from_the_forecast(client_member, signed, forecast):
    page = client_member.get(url("actual", forecast.convention)).content.decode()
    assert "Créer le compte rendu financier" in page
    response = client_member.post(url("actual_create", forecast.convention), follow=True)
    assert "Le compte rendu financier est créé" in response.content.decode()
    actual = Budget.objects.get(convention=forecast.convention, kind=BudgetKind.ACTUAL)
    assert actual.lines.count() == 5


def test_actual_form_shows_the_forecast_the_variance_and_requires_explanations(client_member, signed, forecast, member):
    actual = budget_create_actual(convention=forecast.convention, user=member)
    target = url("actual", forecast.convention)
    response = client_member.get(target)
    changes = {"641": "7500", "613": "2500", "864": "500", "744": "10000", "870": "500"}
    names = {code: field_name(response, code, label) for code, label in
             actual.lines.values_list("code", "label")}
    data = form_data(response, **{names[code]: amount for code, amount in changes.items()}, action="submit")
    response = client_member.post(target, data, follow=True)
    page = response.content.decode()
    assert "Expliquez l&#x27;écart de la ligne « 641 Salaires » (1\u202f500\u00a0€, 25,00\u00a0% ; seuil : 15 %)." in page
    salaries_explanation = names["641"].replace("amount", "explanation")
    assert f'aria-describedby="id_{salaries_explanation}-erreur"' in page
    assert "Expliquez cet écart : il dépasse le seuil de 15 %." in page
    assert "6\u202f000\u00a0€" in page and "+1\u202f500\u00a0€" in page and "+25,00\u00a0%" in page
    actual.refresh_from_db()
    assert actual.status == BudgetStatus.DRAFT

    response = client_member.get(target)
    data = form_data(response, **{salaries_explanation: "Embauche d'un animateur", "action": "submit",
                                  names["613"].replace("amount", "explanation"): "Local moins cher"})
    response = confirm(client_member, client_member.post(target, data, follow=True))
    assert "Le budget est déposé." in response.content.decode()
    actual.refresh_from_db()
    assert actual.status == BudgetStatus.SUBMITTED


def test_actual_form_query_count_does_not_grow_with_lines(client_member, signed, forecast, member):
    actual = budget_create_actual(convention=forecast.convention, user=member)
    target = url("actual", forecast.convention)
    client_member.get(target)
    with CaptureQueriesContext(connection) as before:
        client_member.get(target)
    for budget in (forecast, actual):
        BudgetLine.objects.bulk_create(BudgetLine(budget=budget, code="606", label=f"Ajout {i}", amount=Decimal("1"))
                                       for i in range(30))
    with CaptureQueriesContext(connection) as after:
        client_member.get(target)
    assert len(after) == len(before) == ACTUAL_FORM_QUERIES


def test_overview_lists_both_budgets_with_a_flat_query_count(client_member, signed, forecast):
    target = url("overview", forecast.convention)
    client_member.get(target)
    with CaptureQueriesContext(connection) as ctx:
        page = client_member.get(target).content.decode()
    assert "Budget prévisionnel" in page and "Établir le compte rendu financier" in page
    assert len(ctx) == OVERVIEW_QUERIES


def test_import_page_has_a_pinned_query_count(client_member, forecast):
    target = url("forecast_import", forecast.convention)
    client_member.get(target)
    with CaptureQueriesContext(connection) as ctx:
        page = client_member.get(target).content.decode()
    assert '<label for="id_file">Fichier du budget (.xlsx ou .csv)</label>' in page
    assert len(ctx) == IMPORT_PAGE_QUERIES


def test_a_tampered_post_is_refused_without_a_server_error(client_member, forecast):
    response = client_member.post(url("forecast", forecast.convention), {"action": "submit", "l-0-amount": "5"})
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs : rien n'a été enregistré." in response.content.decode()
    forecast.refresh_from_db()
    assert forecast.status == BudgetStatus.DRAFT and forecast.lines.count() == 5
