"""axe-core on every HTML page of the portal a member of the demo associations can open."""


import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from beneficiaries.models import Beneficiary, Membership
from campaigns.models import Application, Campaign
from conventions.models import Convention

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def member_pages(username):
    pages = [reverse("portal:home"), reverse("portal:choose_beneficiary")]
    for convention in Convention.objects.filter(beneficiary__memberships__user__username=username):
        pk = {"convention_pk": convention.pk}
        pages += [reverse(f"portal_conventions:{name}", kwargs=pk)
                  for name in ("detail", "payments", "documents", "signed_documents")]
        pages += [reverse(f"portal_budgets:{name}", kwargs=pk) for name in ("overview", "forecast", "actual")]
        for year in convention.tranches.values_list("year", flat=True):  # a multi-year agreement's years
            pages += [reverse(f"portal_budgets:{name}", kwargs=pk) + f"?annee={year}" for name in ("forecast", "actual")]
        pages.append(reverse("portal_indicators:report_list", kwargs=pk))
        for report in convention.indicator_reports.filter(period_label=""):
            pages.append(reverse("portal_indicators:report_form", kwargs={**pk, "year": report.year}))
    pages.append(reverse("portal_campaigns:list"))
    for campaign in Campaign.objects.all():
        pages.append(reverse("portal_campaigns:create") + f"?campagne={campaign.pk}")
    for application in Application.objects.filter(beneficiary__memberships__user__username=username):
        for name in ("application", "edit", "budget", "documents", "submit"):
            pages.append(reverse(f"portal_campaigns:{name}", args=[application.pk]))
        for version in application.versions.filter(kind="submission"):
            pages.append(reverse("portal_campaigns:version", args=[application.pk, version.number]))
    return pages


@pytest.mark.parametrize("username", ["scs", "asso2", "reqe"])
def test_every_portal_page_of_a_member_is_accessible(page, live_server, portal_login, assert_accessible, username,
                                                     demo_committed):
    if username == "reqe":  # the multi-year agreement's association has no member in the demo: one is added
        reqe = get_user_model().objects.create_user("reqe", password="demo")  # noqa: S106 - the demo's password
        Membership.objects.create(user=reqe, beneficiary=Beneficiary.objects.get(acronym="REQE"))
    portal_login(page, live_server, get_user_model().objects.get(username=username), password="demo")
    checked = 0
    for path in member_pages(username):
        response = page.goto(live_server.url + path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue  # a page that redirects (e.g. no actual budget yet) is checked where it lands elsewhere
        assert_accessible(page)
        checked += 1
    assert checked >= 8
