"""Benchmark: import 5,000 budget lines with our resource's bulk settings, then with the
library's default (non-bulk) settings, in the same run; print rows per second and the ratio.
The whole import (``budget_import``, file reading included) is timed at the bound on a budget's
lines (``budgets.bounds.MAX_BUDGET_LINES``): a larger file is refused.

    .venv/bin/python bench/budget_import.py            # 5,000 lines, throwaway SQLite database
    .venv/bin/python bench/budget_import.py --rows 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_budgets .venv/bin/python bench/budget_import.py

The database is created for the run (SQLite in a temporary directory unless DATABASE_URL is
set, in which case pytest-django's way is followed: a ``test_`` database next to it) and
dropped at the end. Target: 5,000 lines in under 1.5 s with our settings.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-budgets-')}/bench.sqlite3"


def build_csv(rows: int) -> bytes:
    """Return a CSV of ``rows`` lines spread over the chart, French amounts, as members type them."""
    from budgets import chart

    codes = list(chart.ACCOUNTS)
    lines = ["Compte;Libellé;Montant;Demandé ou obtenu"]
    for index in range(rows):
        code = codes[index % len(codes)]
        status = "Obtenu" if chart.ACCOUNTS[code].is_cofunder_line else ""
        euros, cents = divmod(index * 137 + 1_000, 100)
        lines.append(f"{code};Ligne {index:05d};{euros:,}".replace(",", "\u00a0") + f",{cents:02d} €;{status}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        run(args.rows)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(rows: int) -> None:
    from unittest import mock

    import tablib
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from import_export.instance_loaders import ModelInstanceLoader

    from budgets import imports
    from budgets.bounds import MAX_BUDGET_LINES
    from budgets.imports import read_sheet, to_dataset
    from budgets.models import Budget, BudgetKind, BudgetLine
    from budgets.resources import BudgetLineImportResource
    from budgets.rules import budget_totals
    from budgets.services import budget_import
    from tests.factories import BudgetFactory, ConventionFactory, UserFactory

    class LibraryDefaultsResource(BudgetLineImportResource):
        """The same whitelist with the library's defaults: one query and one save per row, diffs."""

        class Meta:
            use_bulk = False
            skip_diff = False
            skip_html_diff = False
            report_skipped = True
            instance_loader_class = ModelInstanceLoader

    content = build_csv(rows)
    user = UserFactory(username="bench")
    ours_budget = BudgetFactory(convention=ConventionFactory(), kind=BudgetKind.FORECAST)
    default_budget = BudgetFactory(convention=ConventionFactory(), kind=BudgetKind.FORECAST)
    # The resources alone are compared on ``rows`` lines, past the bound a budget may have: the
    # import's count of lines is lifted for them (budget_import below stays at the bound).
    with mock.patch.object(imports, "MAX_BUDGET_LINES", max(rows, MAX_BUDGET_LINES)):
        dataset, file_rows = to_dataset(read_sheet("bench.csv", content))
    assert isinstance(dataset, tablib.Dataset) and len(dataset) == rows

    print(f"Base : {connection.vendor} ; {rows} lignes ; fichier CSV de {len(content) // 1024} Ko ; "
          "temps CPU = ce processus (la base SQLite y compris, pas un serveur PostgreSQL)")
    def timed(function):
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = function()
        return outcome, time.perf_counter() - wall, time.process_time() - cpu

    def import_with(resource_class, budget):
        with transaction.atomic():
            result = resource_class(budget=budget, user=user, file_rows=file_rows).import_data(
                dataset, use_transactions=True, rollback_on_validation_errors=True)
        assert not result.has_errors() and not result.has_validation_errors()
        return result

    at_bound = min(rows, MAX_BUDGET_LINES)
    summary, ours_total, ours_total_cpu = timed(lambda: budget_import(
        budget=ours_budget, uploaded_file=SimpleUploadedFile("bench.csv", build_csv(at_bound)), user=user))
    assert summary.created == at_bound, summary
    # The resources alone, on the same dataset, for a like-for-like comparison.
    BudgetLine.objects.filter(budget=ours_budget).delete()
    _, ours, ours_cpu = timed(lambda: import_with(BudgetLineImportResource, ours_budget))
    _, default, default_cpu = timed(lambda: import_with(LibraryDefaultsResource, default_budget))
    assert budget_totals(Budget.objects.get(pk=ours_budget.pk)) == budget_totals(default_budget)

    def line(label, wall, cpu, count=rows):
        text = f"  {label:<52} {wall:7.3f} s ({cpu:6.3f} s CPU)  {count / wall:7.0f} lignes/s"
        print(text)

    line(f"budget_import, fichier compris ({at_bound} lignes)", ours_total, ours_total_cpu, at_bound)
    line("nos réglages (bulk), ressource seule", ours, ours_cpu)
    line("réglages par défaut de la bibliothèque, ligne à ligne", default, default_cpu)
    print(f"  rapport (défaut ÷ bulk, ressource seule) : {default / ours:.1f}× en temps écoulé, "
          f"{default_cpu / ours_cpu:.1f}× en temps CPU")
    def verdict(seconds):
        return "atteint" if seconds < 1.5 else "NON atteint"

    print(f"  objectif {rows} lignes en moins de 1,5 s : {verdict(ours)} en temps écoulé (ressource seule), "
          f"{verdict(ours_cpu)} en temps CPU (charge de la machine : {os.getloadavg()[0]:.1f} "
          f"pour {os.cpu_count()} cœurs ; le temps écoulé dépend des autres processus)")


if __name__ == "__main__":
    main()
