"""One test per server error the hostile suite (tests/hostile/) found: each input is now refused
in French (the form again with its error, or the 400/404 page), and nothing is saved.

The suite sends every hostile value to every form; these tests pin each fix at its place.
"""

from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from beneficiaries.models import Beneficiary
from budgets.models import BudgetStatus
from conventions.models import Convention, Status
from core.roles import AGENT
from tests.admin_forms import change_form_data
from tests.db_state import changed_tables, database_state
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
    staff_user,
)
from tests.test_bad_input import assert_french_error_page
from tests.test_budget_portal import field_name, form_data

HUGE_ID = "9" * 30


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="chef", is_staff=True, is_superuser=True))
    return client


# -- control and bidirectional characters: refused before any view (config.middleware) ---------

@pytest.mark.parametrize("typed", ["Pôle\x1b[2J", "Pôle\u202eexe.fdp", "Pôle\x00", "Pôle\x85"],
                         ids=["escape", "bidi override", "NUL", "C1 control"])
def test_a_control_or_bidirectional_character_in_a_form_gets_the_french_400_page(superuser_client, typed):
    """Stored, such a character made the budget's XLSX export a server error (no spreadsheet cell
    may hold one) and, for NUL, PostgreSQL refused it: now no form takes one."""
    beneficiary = MembershipFactory().beneficiary
    url = reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk])
    data = change_form_data(superuser_client.get(url), name=typed)
    before = database_state()

    response = superuser_client.post(url, data)

    assert_french_error_page(response, 400, "Requête invalide", "Rien n'a été enregistré.",
                             "Le formulaire contient un caractère invisible",
                             "retapez le texte collé au lieu de le coller")
    assert changed_tables(before) == []


def test_tabs_and_line_breaks_stay_welcome(superuser_client):
    beneficiary = MembershipFactory().beneficiary
    url = reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk])
    data = change_form_data(superuser_client.get(url), address="1 rue de la Paix\r\n\tBâtiment B")

    assert superuser_client.post(url, data).status_code == 302
    beneficiary.refresh_from_db()
    assert beneficiary.address == "1 rue de la Paix\r\n\tBâtiment B"


# -- forged identifiers in the admin ------------------------------------------------------------

def test_a_forged_permission_id_in_a_group_is_refused_on_its_field(superuser_client):
    """« Python int too large to convert to SQLite INTEGER »: Django's ``in`` lookup took it to
    the database (core.lookups)."""
    group = Group.objects.get(name="Agents de la Métropole")
    url = reverse("admin:auth_group_change", args=[group.pk])
    before = database_state()

    response = superuser_client.post(url, {"name": group.name, "permissions": [HUGE_ID]})

    assert response.status_code == 200
    assert f"Sélectionnez un choix valide. {HUGE_ID} n’en fait pas partie." in text(response)
    assert changed_tables(before) == []


@pytest.mark.parametrize("forged", ["1.5", "abc", HUGE_ID])
def test_a_forged_association_in_an_agreement_is_refused_on_its_field(superuser_client, forged):
    """The autocomplete widget looked the posted value up to show it again: « Field 'id'
    expected a number » (core.admin_base)."""
    convention = ConventionFactory()
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    data = change_form_data(superuser_client.get(url), beneficiary=forged)
    before = database_state()

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles." in text(response)
    assert changed_tables(before) == []


def test_a_forged_row_count_of_a_read_only_inline_adds_no_row(superuser_client):
    """The agreement's budgets are read-only rows: a forged ``TOTAL_FORMS`` built empty ones,
    whose comparison link had no agreement (« NoReverseMatch ») on the page shown again."""
    convention = ConventionFactory()
    BudgetFactory(convention=convention)
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    data = change_form_data(superuser_client.get(url), amount_granted="-1,00")
    data["budgets-TOTAL_FORMS"] = "3"
    before = database_state()

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "Le montant ne peut pas être négatif." in text(response)
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 1
    assert changed_tables(before) == []


@pytest.mark.parametrize("address", [
    "/admin/conventions/convention/abc/history/",
    "/admin/beneficiaries/beneficiary/1.5/inviter/",
    "/admin/documents/document/abc/accepter/",
])
def test_an_admin_address_whose_identifier_cannot_be_one_gets_the_french_404_page(superuser_client, address):
    """These views looked the identifier up as it came: « Field 'id' expected a number »."""
    before = database_state()
    for response in (superuser_client.get(address), superuser_client.post(address, {"comment": "x"})):
        assert_french_error_page(response, 404, "Page introuvable")
    assert changed_tables(before) == []


# -- the portal -----------------------------------------------------------------------------------

def test_the_association_picker_refuses_thousands_of_digits_with_the_french_404_page(client, db):
    """« Exceeds the limit (4300 digits) for integer string conversion »: now core.object_ids."""
    membership = MembershipFactory()
    MembershipFactory(user=membership.user)
    client.force_login(membership.user)

    response = client.post(reverse("portal:choose_beneficiary"), {"beneficiary": "9" * 5000})

    assert_french_error_page(response, 404, "Page introuvable")


def test_a_budget_amount_of_thousands_of_digits_is_refused_on_its_field(client, db):
    """It matched the number pattern, then could not be rounded at the cent (decimal's precision)."""
    membership = MembershipFactory()
    forecast = add_balanced_lines(BudgetFactory(convention=ConventionFactory(beneficiary=membership.beneficiary,
                                                                             status=Status.DRAFT)))
    client.force_login(membership.user)
    url = reverse("portal_budgets:forecast", args=[forecast.convention_id])
    page = client.get(url)
    before = database_state()

    response = client.post(url, form_data(page, **{field_name(page, "613", "Loyer"): "9" * 5000, "action": "submit"}))

    assert response.status_code == 200
    assert f"Montant — 613 Loyer : Le montant « {'9' * 40}… » est trop élevé." in text(response)
    assert changed_tables(before) == []
    assert forecast.lines.get(label="Loyer").amount == Decimal("4000")


def test_an_indicator_figure_of_thirty_digits_is_refused_on_its_field(client, demo):
    """The form's checks added the figures up and quoted the sum in their message: decimal's
    precision gave out (« InvalidOperation ») when the sum had thirty digits."""
    client.login(username="scs", password="demo")
    url = reverse("portal_indicators:report_form", args=[Convention.objects.get(reference="AMP-2023-DEVECO-SCS").pk,
                                                         2023])
    page = client.get(url)
    data = dict.fromkeys(page.context["form"].fields, "")
    data.update({name: HUGE_ID for name, field in page.context["form"].fields.items() if name.startswith("effectif")})
    before = database_state()

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Assurez-vous qu’il n’y a pas plus de 16 chiffres au total." in text(response)
    assert changed_tables(before) == []


# -- years and months that no date can hold ------------------------------------------------------

@pytest.mark.parametrize("year", ["99999", str(2**63), "1800"])
def test_an_agreement_s_fiscal_year_out_of_range_is_refused_on_its_field(superuser_client, year):
    """99999 was saved on SQLite (its integers are 64 bits), and 2**63 stayed on the object shown
    again: every page computing a deadline from it failed (« year is out of range »)."""
    convention = ConventionFactory()
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    data = change_form_data(superuser_client.get(url), fiscal_year=year)
    before = database_state()

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "L'année doit être comprise entre 1990 et 2100." in text(response)
    assert changed_tables(before) == []


def test_a_fiscal_year_ending_in_a_thirteenth_month_is_refused_on_its_field(superuser_client):
    beneficiary = MembershipFactory().beneficiary
    url = reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk])
    data = change_form_data(superuser_client.get(url), fiscal_year_end_month="13")

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "Le mois doit être compris entre 1 et 12." in text(response)
    assert Beneficiary.objects.get(pk=beneficiary.pk).fiscal_year_end_month == 12


# -- a long comment and the audit trail ------------------------------------------------------------

def test_a_long_comment_sending_a_budget_back_is_kept_whole_and_its_audit_reason_cut(client, db):
    """The comment is the audit record's reason, kept in 100 characters: PostgreSQL refused a
    longer one (« value too long for type character varying(100) »), a server error."""
    budget = add_balanced_lines(BudgetFactory(convention=ConventionFactory(), status=BudgetStatus.SUBMITTED))
    client.force_login(staff_user("agent1", AGENT))
    comment = "Le loyer ne correspond pas au bail joint. " * 20

    response = client.post(reverse("admin:budgets_budget_return", args=[budget.pk]), {"comment": comment})

    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.RETURNED and budget.review_comment == comment.strip()
    reason = budget.history.latest().history_change_reason
    assert len(reason) == 100 and reason.endswith("…") and comment.startswith(reason[:-1])

