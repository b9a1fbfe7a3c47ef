"""The Content-Security-Policy holds: every page works without inline scripts or styles."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from conventions.models import Convention

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)


def assert_csp_clean(response, url):
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), f"inline script on {url}"
    match = INLINE_STYLE.search(html)
    assert not match, f"inline style on {url}: {html[max(match.start() - 120, 0):match.end() + 60]}"


def staff_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        if model._meta.app_label in {"conventions", "beneficiaries", "budgets", "indicators", "documents", "finance", "compliance"}:
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            urls.append(reverse(f"{prefix}_changelist"))
            obj = model.objects.order_by("pk").first()
            if obj is not None:
                urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return urls


def test_staff_pages_need_no_inline_code(client, demo):
    from indicators.models import IndicatorReport

    client.login(username="admin", password="demo")
    seed = Convention.objects.get(reference="AMP-2023-DEVECO-SCS")
    custom = [
        reverse("staff:dashboard"), reverse("staff:overdue"),
        reverse("admin:budgets_budget_compare", args=[seed.pk]),
        reverse("admin:indicators_indicatorreport_review", args=[IndicatorReport.objects.order_by("pk").first().pk]),
        reverse("admin:conventions_convention_transition", args=[seed.pk, "refuse"]),
    ]
    for url in staff_urls() + custom:
        assert_csp_clean(client.get(url), url)


@pytest.mark.parametrize("username", ["scs", "asso2"])
def test_portal_pages_need_no_inline_code(client, demo, username):
    client.login(username=username, password="demo")
    urls = [reverse("portal:home")]
    for convention in Convention.objects.filter(beneficiary__memberships__user__username=username):
        urls += [
            reverse("portal_conventions:payments", args=[convention.pk]),
            reverse("portal_conventions:documents", args=[convention.pk]),
            reverse("portal_budgets:overview", args=[convention.pk]),
            reverse("portal_indicators:report_list", args=[convention.pk]),
        ]
    for url in urls:
        assert_csp_clean(client.get(url), url)
