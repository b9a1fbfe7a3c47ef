"""Writes on budgets: every change to lines goes through here."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from conventions.freeze import ensure_budget_unfrozen

from .models import Budget, BudgetKind, BudgetLine, BudgetScope


@dataclass(frozen=True)
class LineInput:
    code: str
    amount: Decimal
    label: str = ""
    funding_status: str = ""
    is_granting_funder: bool = False
    explanation: str = ""


def budget_get_or_create(*, convention, kind: str = BudgetKind.FORECAST, scope: str = BudgetScope.GLOBAL) -> Budget:
    budget, _created = Budget.objects.get_or_create(convention=convention, kind=kind, defaults={"scope": scope})
    return budget


@transaction.atomic
def budget_replace_lines(*, budget: Budget, lines: Iterable[LineInput]) -> list[BudgetLine]:
    """Replace every line of ``budget`` by ``lines``, keeping their order.

    Refused for the forecast budget of a signed agreement: it is annex I of what was signed.
    """
    ensure_budget_unfrozen(budget)
    budget.lines.all().delete()
    objs = []
    for index, line in enumerate(lines, start=1):
        obj = BudgetLine(
            budget=budget, code=line.code, label=line.label, amount=Decimal(line.amount),
            funding_status=line.funding_status, is_granting_funder=line.is_granting_funder,
            explanation=line.explanation, position=index,
        )
        if not obj.label:
            obj.label = obj.account.label
        obj.full_clean(exclude=["budget"])
        objs.append(obj)
    return bulk_create_with_history(objs, BudgetLine)
