"""One way to name an association in lists and charts: ``beneficiaries.naming.list_name``."""

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary
from beneficiaries.naming import chart_name, list_name


def test_list_name_is_the_acronym_with_the_name_on_hover():
    pim = Beneficiary(name="Provence Images en mouvement", acronym="PIM")
    assert list_name(pim) == '<abbr title="Provence Images en mouvement">PIM</abbr>'
    assert list_name(Beneficiary(name="Les Tréteaux du Vieux-Port", acronym="")) == "Les Tréteaux du Vieux-Port"
    assert list_name(Beneficiary(name="L'<b>", acronym="")) == "L&#x27;&lt;b&gt;"
    assert chart_name(pim) == "PIM"


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", [
    "conventions_convention", "finance_paymentrequest", "budgets_budget", "campaigns_application",
    "deliberations_letter", "beneficiaries_membership",
])
def test_lists_name_associations_by_the_one_rule(client, demo, changelist):
    client.login(username="admin", password="demo")
    page = client.get(reverse(f"admin:{changelist}_changelist")).content.decode()
    named = [b for b in Beneficiary.objects.exclude(acronym="") if str(list_name(b)) in page]
    assert named, changelist
    for beneficiary in Beneficiary.objects.exclude(acronym=""):
        assert f"{beneficiary.name} ({beneficiary.acronym})" not in page, changelist
