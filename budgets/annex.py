"""The annexes of the agreement's PDF, as rows ready to print.

Annex I is the Cerfa 12156 budget: charges on the left, produits on the right, chapter by
chapter with their subtotals, then the in-kind block (86 / 87) and the grand totals. Every
figure comes from ``budgets.rules``; the totals a document once printed are never shown.
Annexes IV and V come from the agreement's indicator reports.
"""

from dataclasses import dataclass
from itertools import zip_longest

from budgets import chart
from budgets.rules import BudgetTotals, ChapterSubtotal, balance_message
from core.money import format_euros, unknown_amounts_note


@dataclass(frozen=True)
class BudgetRow:
    """One cell pair of the Cerfa table: a chapter heading, a line, or nothing."""

    kind: str  # "chapter", "line" or "empty"
    label: str = ""
    amount: str = ""
    code: str = ""
    highlight: bool = False
    note: str = ""  # « (dont 1 montant non chiffré) », printed under the amount


EMPTY = BudgetRow("empty")


def chapters_with_lines(subtotals, lines) -> list[tuple[chart.Chapter, list, ChapterSubtotal]]:
    """Pair each chapter's subtotal (``budgets.rules.chapter_subtotals``) with its lines, in order."""
    by_chapter: dict[str, list] = {}
    for line in lines:
        by_chapter.setdefault(line.account.chapter.code, []).append(line)
    return [(subtotal.chapter, by_chapter.get(subtotal.code, []), subtotal) for subtotal in subtotals]


def _line_label(line) -> str:
    account = line.account
    if account.is_cofunder_line and line.label != account.label:
        return f"{account.label} — {line.label}"
    return line.label


def _side_rows(chapters, side: str, in_kind: bool) -> list[BudgetRow]:
    rows = []
    for chapter, lines, subtotal in chapters:
        if chapter.side != side or chapter.in_kind != in_kind:
            continue
        rows.append(BudgetRow("chapter", f"{chapter.code} – {chapter.label}", format_euros(subtotal.amount),
                              chapter.code, note=_note(subtotal.unknown_amounts)))
        rows += [  # an amount not given prints « non renseigné », never « 0 € »
            BudgetRow("line", _line_label(line), format_euros(line.amount), line.code, line.is_granting_funder)
            for line in lines
        ]
    return rows


def _note(unknown: int) -> str:
    """Return « (dont 1 montant non chiffré) » for a total that leaves amounts out, else ""."""
    return f"({unknown_amounts_note(unknown)})" if unknown else ""


def _pairs(left: list[BudgetRow], right: list[BudgetRow]) -> list[tuple[BudgetRow, BudgetRow]]:
    return list(zip_longest(left, right, fillvalue=EMPTY))


@dataclass(frozen=True)
class BudgetAnnex:
    rows: list[tuple[BudgetRow, BudgetRow]]
    in_kind_rows: list[tuple[BudgetRow, BudgetRow]]
    totals: BudgetTotals
    charges: str
    products: str
    in_kind_charges: str
    in_kind_products: str
    total_charges: str
    total_products: str
    gap: str
    in_kind_gap: str
    products_note: str  # the produits totals leave out the amounts not given: how many
    balance: str | None  # ``budgets.rules.balance_message``: why it is not (or not known to be) balanced


def budget_annex(chapters, totals: BudgetTotals) -> BudgetAnnex:
    """Return annex I: the Cerfa rows side by side and the computed totals."""
    return BudgetAnnex(
        rows=_pairs(_side_rows(chapters, chart.CHARGES, False), _side_rows(chapters, chart.PRODUCTS, False)),
        in_kind_rows=_pairs(_side_rows(chapters, chart.CHARGES, True), _side_rows(chapters, chart.PRODUCTS, True)),
        totals=totals,
        charges=format_euros(totals.charges), products=format_euros(totals.products),
        in_kind_charges=format_euros(totals.in_kind_charges), in_kind_products=format_euros(totals.in_kind_products),
        total_charges=format_euros(totals.total_charges), total_products=format_euros(totals.total_products),
        gap=format_euros(abs(totals.gap)), in_kind_gap=format_euros(abs(totals.in_kind_gap)),
        products_note=_note(totals.unknown_amounts),
        balance=balance_message(totals),
    )


def in_kind_resources(chapters) -> list[BudgetRow]:
    """Return the in-kind resources (87) entered in the budget, for annex II."""
    return [row for row in _side_rows(chapters, chart.PRODUCTS, True) if row.kind == "line"]








