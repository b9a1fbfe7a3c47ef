"""Audit trail and concurrent edits in the staff admin."""

from decimal import Decimal

from django.urls import reverse

from conventions.models import Convention
from tests.test_admin import _convention_post_data


def test_second_of_two_concurrent_saves_is_refused_and_keeps_the_input(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    client.login(username="agent", password="demo")
    opened_at = convention.version
    # Somebody else saves first.
    other = client.__class__()
    other.login(username="admin", password="demo")
    first = other.post(url, _convention_post_data(convention, amount_granted="33000,00", seen_version=opened_at))
    assert first.status_code == 302
    # The agent's save, based on the version they opened, is refused.
    response = client.post(url, _convention_post_data(convention, amount_granted="35000,00", seen_version=opened_at))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quelqu&#x27;un d&#x27;autre a enregistré cette fiche" in page
    assert 'value="35000,00"' in page  # what they typed is still there
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("33000.00") and convention.version == opened_at + 1


def test_history_shows_who_changed_what(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    client.login(username="agent", password="demo")
    client.post(url, _convention_post_data(convention, amount_granted="34000,00", seen_version=convention.version))
    page = client.get(reverse("admin:conventions_convention_history", args=[convention.pk])).content.decode()
    assert ">agent</a>" in page
    assert "<strong>Montant attribué</strong> : 32\u202f000,00 → 34\u202f000,00</li>" in page  # French figures


def test_audit_records_cannot_be_reverted_or_edited(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    record = convention.history.earliest()
    client.login(username="admin", password="demo")
    url = reverse("admin:conventions_convention_simple_history", args=[convention.pk, record.history_id])
    assert client.get(url).status_code == 200  # a past version can be read
    response = client.post(url, _convention_post_data(convention, amount_granted="1,00"))
    assert response.status_code == 403
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("32000.00")


def test_second_of_two_concurrent_budget_saves_is_refused_and_keeps_the_input(client, demo):
    """Two agents open the same budget; the second save would silently undo the first: refused."""
    from budgets.models import Budget, BudgetKind
    from tests.admin_forms import change_form_data

    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    first_line = budget.lines.in_chart_order().first()
    client.login(username="agent", password="demo")
    other = client.__class__()
    other.login(username="admin", password="demo")
    mine, theirs = client.get(url), other.get(url)
    index = next(i for i, form in enumerate(mine.context["inline_admin_formsets"][0].formset.forms)
                 if form.instance.pk == first_line.pk)
    field = f"lines-{index}-amount"

    saved = other.post(url, change_form_data(theirs, **{field: "1234,00"}))
    assert saved.status_code == 302
    response = client.post(url, change_form_data(mine, **{field: "4321,00"}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Quelqu&#x27;un d&#x27;autre a enregistré cette fiche" in page
    assert 'value="4321,00"' in page  # what the agent typed is still in the form
    first_line.refresh_from_db()
    assert first_line.amount == Decimal("1234.00")
    assert Budget.objects.get(pk=budget.pk).version == budget.version + 1


def test_staff_budget_save_is_refused_after_the_member_saved_from_the_portal(client, demo):
    from budgets.models import Budget, BudgetKind
    from budgets.services import LineInput, budget_save_lines
    from tests.admin_forms import change_form_data

    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    client.login(username="agent", password="demo")
    opened = client.get(url)
    lines = [LineInput(line.code, line.amount + 1, line.label, line.funding_status, line.is_granting_funder)
             for line in budget.lines.in_chart_order()]
    budget_save_lines(budget=budget, lines=lines, user=None)  # the association saves meanwhile

    response = client.post(url, change_form_data(opened))

    assert response.status_code == 200
    assert "Quelqu&#x27;un d&#x27;autre a enregistré cette fiche" in response.content.decode()
    assert sorted(budget.lines.values_list("amount", flat=True)) == sorted(line.amount for line in lines)


def test_budget_admin_save_without_concurrent_change_goes_through(client, demo):
    from budgets.models import Budget, BudgetKind
    from tests.admin_forms import change_form_data

    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    client.login(username="agent", password="demo")
    first = client.post(url, change_form_data(client.get(url)))
    second = client.post(url, change_form_data(client.get(url)))
    assert first.status_code == second.status_code == 302
    assert Budget.objects.get(pk=budget.pk).version == budget.version + 2
