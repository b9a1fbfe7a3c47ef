import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

from beneficiaries.models import Beneficiary
from budgets.models import BudgetLine
from conventions.models import Convention, Status
from core.roles import AGENT, FINANCE, has_role
from demo.demo import SEED_REFERENCE
from finance.models import PaymentRequest
from indicators.models import IndicatorDefinition, IndicatorReport


def test_seed_demo_refuses_to_run_without_debug(db):
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Convention.objects.exists()


def test_seed_demo_is_idempotent(demo):
    counts = (Convention.objects.count(), BudgetLine.objects.count(), IndicatorDefinition.objects.count(),
              Beneficiary.objects.count(), PaymentRequest.objects.count())
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert counts == (Convention.objects.count(), BudgetLine.objects.count(), IndicatorDefinition.objects.count(),
                      Beneficiary.objects.count(), PaymentRequest.objects.count())


def test_seed_demo_prints_the_urls_and_accounts(db):
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/admin/" in text and "http://127.0.0.1:8000/portail/" in text
    for username in ("admin", "agent", "finance", "scs", "asso2"):
        assert username in text


@pytest.mark.parametrize("username", ["admin", "agent", "finance", "scs", "asso2"])
def test_demo_accounts_log_in_with_demo(demo, username):
    assert authenticate(username=username, password="demo") is not None


def test_demo_roles(demo):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    assert has_role(users["agent"], AGENT) and not has_role(users["agent"], FINANCE)
    assert has_role(users["finance"], FINANCE) and not users["finance"].has_perm("conventions.change_convention")
    assert users["agent"].has_perm("conventions.change_convention")
    assert not users["scs"].is_staff
    assert Beneficiary.objects.for_member(users["scs"]).get().acronym == "Pôle SCS"
    assert Beneficiary.objects.for_member(users["asso2"]).get().acronym == "JPH"


def test_the_seed_agreement_is_held_whole(seed_convention):
    c = seed_convention
    assert c.funder.name == "Métropole Aix-Marseille-Provence"
    assert c.funder.representative_name == "Martine VASSAL"
    assert "FBPA 029-8299/20/CM" in c.funder.financial_rules_reference
    assert c.funder.court_name == "Tribunal administratif de Marseille"
    assert c.beneficiary.representative == "Monsieur Fabien ALLI"
    assert c.beneficiary.city == "Rousset"
    assert c.amount_granted == Decimal("66000")
    assert c.advance_cap_percent == Decimal("80")
    assert len(c.objectives_list()) == 6
    assert len(c.programme_summary_list()) == 7
    assert "190 000 €" in c.non_financial_contributions
    assert "V. Emploi et formation" in c.action_programme
    assert c.budgets.get().lines.count() == 24
    assert c.budgets.get().lines.get(is_granting_funder=True).amount == Decimal("66000")
    annex_iv = IndicatorReport.objects.get(convention=c, period_label="2019-2022")
    assert annex_iv.values.get(definition__code="pme_individuel").total == Decimal("615")
    annex_v = IndicatorReport.objects.get(convention=c, year=2023).indicator_set
    assert annex_v.definitions.filter(parent__code="effectif", role="band").count() == 5
    assert annex_v.definitions.get(code="effectifs_cumules").split_by_sex


def test_the_demo_has_agreements_in_other_states(demo):
    states = set(Convention.objects.exclude(reference=SEED_REFERENCE).values_list("status", flat=True))
    assert {Status.SIGNED, Status.ACTIVE, Status.CLOSED, Status.DRAFT} <= states
    active = Convention.objects.get(status=Status.ACTIVE, is_multiannual=False)
    advance = active.payment_requests.get()
    assert advance.amount == Decimal("24000.00") and advance.status == "paid"
    assert active.status_changes.count() == 6


def test_the_demo_s_voted_applications_were_filed_before_their_session(demo):
    """The demo tells one story: an application the Bureau voted was « déposée » before the session, not after."""
    from deliberations.models import DeliberationLine

    lines = DeliberationLine.objects.filter(deliberation__voted_on__isnull=False).select_related(
        "application", "deliberation")
    assert lines.count() == 8
    for line in lines:
        assert line.application.submitted_at.date() <= line.deliberation.session_date
        assert all(v.at.date() <= line.deliberation.session_date for v in line.application.versions.all())
