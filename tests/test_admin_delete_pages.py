"""Delete confirmation pages stay bounded however many rows an object drags along (core.admin_delete)."""

from html import unescape
from itertools import count

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.models import Convention, Funder, StatusChange
from core.admin_delete import BoundedDeletePagesMixin
from tests.factories import BeneficiaryFactory, ConventionFactory, FunderFactory

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"  # the thousands separator of the project's numbers


_numbers = count()


def agreements(funder, n):
    beneficiary = BeneficiaryFactory()
    rows = [ConventionFactory.build(funder=funder, beneficiary=beneficiary,
                                    reference=f"AMP-2025-DEL-{next(_numbers):05d}") for _ in range(n)]
    return Convention.objects.bulk_create(rows)


def status_changes(convention, n, by=None):
    StatusChange.objects.bulk_create([StatusChange(convention=convention, to_status="draft", by=by) for _ in range(n)])


def get(client, url):
    client.get(url)  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        queries = len(ctx.captured_queries)
    assert response.status_code == 200, (url, response.status_code)
    return response, queries


def delete_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


def test_every_admin_of_the_site_has_bounded_delete_pages():
    unbounded = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if not isinstance(model_admin, BoundedDeletePagesMixin)]
    assert unbounded == []


def test_protected_agreements_of_a_funder_are_counted_not_listed(admin_client):
    funder = FunderFactory()
    rows = agreements(funder, 150)
    response, with_150 = get(admin_client, delete_url(funder))
    page = unescape(response.content.decode())
    assert rows[0].reference in page  # the first ones, named with their link
    assert page.count('href="/admin/conventions/convention/') == 20
    assert "… et 130 autres" in page
    assert rows[-1].reference not in page

    agreements(funder, 150)
    response, with_300 = get(admin_client, delete_url(funder))
    assert "… et 280 autres" in unescape(response.content.decode())
    assert with_300 == with_150


def test_an_agreement_with_many_status_changes_shows_their_count(admin_client):
    convention = ConventionFactory()
    status_changes(convention, 150)
    response, with_150 = get(admin_client, delete_url(convention))
    page = unescape(response.content.decode())
    assert convention.reference in page
    assert "150 changements d'état" in page
    assert page.count("→") == 0  # no status change is listed one by one
    assert response.context["model_count"] and dict(response.context["model_count"])["changements d'état"] == 150

    status_changes(convention, 1_150)
    response, with_1300 = get(admin_client, delete_url(convention))
    assert f"1{NNBSP}300 changements d'état" in unescape(response.content.decode())
    assert with_1300 == with_150


def test_a_user_referenced_by_many_status_changes_cannot_be_deleted(admin_client, django_user_model):
    user = django_user_model.objects.create_user("agent-parti", password="x")
    convention = ConventionFactory()
    status_changes(convention, 150, by=user)
    response, with_150 = get(admin_client, delete_url(user))
    page = unescape(response.content.decode())
    assert "… et 130 autres" in page
    assert "Changement d'état:  → Brouillon" in page

    status_changes(convention, 150, by=user)
    response, with_300 = get(admin_client, delete_url(user))
    assert "… et 280 autres" in unescape(response.content.decode())
    assert with_300 == with_150

    response = admin_client.post(delete_url(user), {"post": "yes"})
    assert response.status_code == 200  # the page again, with what prevents the deletion
    assert "… et 280 autres" in unescape(response.content.decode())
    assert django_user_model.objects.filter(pk=user.pk).exists()
    assert StatusChange.objects.filter(by=user).count() == 300


def test_a_small_deletion_shows_django_nested_list_with_links(admin_client):
    convention = ConventionFactory()
    status_changes(convention, 2)
    response, _ = get(admin_client, delete_url(convention))
    page = unescape(response.content.decode())
    change_url = reverse("admin:conventions_convention_change", args=[convention.pk])
    assert f'<a href="{change_url}">{convention}</a>' in page
    assert page.count("<li>Changement d'état:  → Brouillon</li>") == 2  # nested under the agreement
    assert "<ul>\n\t\t<li>Changement d'état" in page


def test_a_small_protected_case_lists_each_protected_object(admin_client):
    funder = FunderFactory()
    agreements(funder, 3)
    response, _ = get(admin_client, delete_url(funder))
    page = unescape(response.content.decode())
    assert page.count('href="/admin/conventions/convention/') == 3
    assert "autres" not in page


def test_deleting_a_large_agreement_removes_its_cascade(admin_client):
    convention = ConventionFactory()
    status_changes(convention, 150)
    response = admin_client.post(delete_url(convention), {"post": "yes"})
    assert response.status_code == 302
    assert not Convention.objects.filter(pk=convention.pk).exists()
    assert not StatusChange.objects.filter(convention_id=convention.pk).exists()


def test_deleting_a_funder_with_agreements_is_refused(admin_client):
    funder = FunderFactory()
    agreements(funder, 150)
    response = admin_client.post(delete_url(funder), {"post": "yes"})
    assert response.status_code == 200
    assert "… et 130 autres" in unescape(response.content.decode())
    assert Funder.objects.filter(pk=funder.pk).exists()
    assert Convention.objects.filter(funder=funder).count() == 150


def bulk_confirmation(client, pks):
    url = reverse("admin:conventions_convention_changelist")
    client.post(url, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: pks})  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: pks})
        queries = len(ctx.captured_queries)
    assert response.status_code == 200
    return unescape(response.content.decode()), queries


def test_the_bulk_delete_confirmation_is_bounded(admin_client):
    funder = FunderFactory()
    first = [c.pk for c in agreements(funder, 150)]
    page, with_150 = bulk_confirmation(admin_client, first)
    assert page.count('href="/admin/conventions/convention/') >= 100
    assert "… et 50 autres" in page

    more = [c.pk for c in agreements(funder, 150)]
    page, with_300 = bulk_confirmation(admin_client, first + more)
    assert "… et 200 autres" in page
    assert with_300 == with_150
