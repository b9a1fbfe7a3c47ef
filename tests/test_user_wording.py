"""What users read: French download names, no command names on pages."""

import re

import pytest
from django.urls import reverse

from budgets.exports import export_budget
from budgets.models import Budget
from conventions.models import Convention
from finance.exports import payment_request_filename
from finance.models import PaymentKind, PaymentRequest

ENGLISH = re.compile(r"balance|advance|actual|forecast|payment|request|signed|preview|export", re.I)


@pytest.mark.django_db
def test_download_names_are_french(demo):
    convention = Convention.objects.order_by("pk").first()
    names = [payment_request_filename(PaymentRequest(convention=convention, kind=kind)) for kind in PaymentKind.values]
    names += [payment_request_filename(p) for p in PaymentRequest.objects.all()]
    names += [export_budget(b, "xlsx").filename for b in Budget.objects.filter(convention__isnull=False)]
    assert any("-solde-" in n for n in names) and any("-acompte-" in n for n in names)
    assert any(n.startswith("budget-previsionnel-") for n in names)
    assert [n for n in names if ENGLISH.search(n)] == []


@pytest.mark.django_db
def test_the_overdue_page_says_what_happens_not_which_command(agent_client):
    page = agent_client.get(reverse("staff:overdue")).content.decode()
    assert "partent automatiquement chaque jour" in page
    assert "send_reminders" not in page and "manage.py" not in page


@pytest.mark.django_db
def test_admin_and_portal_pages_link_the_favicon(client, demo):
    from django.contrib.staticfiles import finders
    with open(finders.find("favicon.svg"), encoding="utf-8") as mark:
        assert "<svg" in mark.read()
    pages = [client.get(reverse("admin:login")).content.decode()]
    client.login(username="agent", password="demo")
    pages += [client.get(reverse("admin:index")).content.decode(),
              client.get(reverse("admin:conventions_convention_changelist")).content.decode()]
    client.logout()
    client.login(username="scs", password="demo")
    pages.append(client.get(reverse("portal:home")).content.decode())
    for page in pages:
        assert re.search(r'<link rel="icon" href="/static/favicon\.svg', page), page[:300]
