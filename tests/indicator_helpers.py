"""Shared builders for the indicator tests: a complete report's figures, a staff agent, a member."""

from decimal import Decimal as D

from django.contrib.auth.models import Group

from core.roles import AGENT, FINANCE, sync_role_groups
from indicators.rules import Figures
from tests.factories import ConventionFactory, MembershipFactory, UserFactory


def good_figures(**overrides) -> dict[str, Figures]:
    """Return figures that pass every check of the test set (see ``indicator_set_for_tests``)."""
    figures = {
        "personnes": Figures(total=D("10"), women=D("6"), men=D("4"), not_stated=D("0")),
        "personnes.jeunes": Figures(total=D("3")),
        "personnes.adultes": Figures(total=D("7")),
        "personnes.metropole": Figures(total=D("9")),
        "fonds": Figures(total=D("1500.50")),
        "taux": Figures(total=D("87.5")),
        "bilan": Figures(text="Une bonne année."),
    }
    figures.update(overrides)
    return figures


def staff(role: str = AGENT, username: str = "agent-test"):
    sync_role_groups()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def finance_user():
    return staff(FINANCE, "finance-test")


def member_of(beneficiary, username: str = "membre"):
    return MembershipFactory(beneficiary=beneficiary, user=UserFactory(username=username)).user


def convention_for(beneficiary=None, year: int = 2025, **kwargs):
    kwargs.setdefault("fiscal_year", year)
    if beneficiary is not None:
        kwargs["beneficiary"] = beneficiary
    return ConventionFactory(**kwargs)


def post_data(figures: dict[str, Figures], definitions) -> dict[str, str]:
    """Return the portal form's POST data for ``figures`` (French decimal commas)."""
    data = {}
    for definition in definitions:
        entry = figures.get(definition.code, Figures())
        for part in definition.parts:
            value = entry.get(part)
            data[f"{definition.code}__{part}"] = "" if value is None else str(value).replace(".", ",")
    return data
