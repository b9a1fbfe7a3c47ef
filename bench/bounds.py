"""Benchmark: the pages and the PDF of one agreement with every size bound reached (issue 5).

The seed agreement of the demo, back in draft (so that every form is editable and the PDF is a
preview rendered from data), is given a forecast budget of ``MAX_BUDGET_LINES`` lines, an
indicator set of ``MAX_DEFINITIONS_PER_SET`` definitions with its report (as many values), and
``MAX_DOCUMENTS_PER_AGREEMENT`` documents. Each page is then requested in-process (Django test
client, warm): median and maximum wall-clock time, median CPU time of this process (SQLite
included, what other processes on the machine inflate least), SQL queries, against the 2 s target.

    .venv/bin/python bench/bounds.py                 # throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench .venv/bin/python bench/bounds.py --runs 5

The database is created for the run (``test_<name>`` next to DATABASE_URL's, as pytest-django
does) and dropped at the end. ``--markdown`` prints the table for bench/RESULTS.md.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-bounds-')}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext, _TestState, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.budget_import import build_csv  # noqa: E402
from budgets import chart  # noqa: E402
from budgets.bounds import MAX_BUDGET_LINES  # noqa: E402
from budgets.imports import DEFAULT_MAX_BYTES  # noqa: E402
from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus  # noqa: E402
from conventions.models import Convention, Status  # noqa: E402
from demo.demo import SEED_REFERENCE, load_demo  # noqa: E402
from documents.bounds import MAX_DOCUMENTS_PER_AGREEMENT  # noqa: E402
from documents.models import Document, DocumentKind  # noqa: E402
from indicators.bounds import MAX_DEFINITIONS_PER_SET  # noqa: E402
from indicators.models import IndicatorReport, Role  # noqa: E402
from indicators.services import DefinitionInput, indicator_report_open, indicator_set_upsert  # noqa: E402

TARGET_SECONDS = 2.0
BENCH_YEAR = 2030


def fill_budget(convention) -> Budget:
    """Give the agreement's forecast ``MAX_BUDGET_LINES`` lines over the whole chart, balanced."""
    budget = Budget.objects.get(convention=convention, kind=BudgetKind.FORECAST)
    Budget.objects.filter(pk=budget.pk).update(status=BudgetStatus.DRAFT)
    BudgetLine.objects.filter(budget=budget).delete()
    codes = list(chart.ACCOUNTS)
    lines = []
    for index in range(MAX_BUDGET_LINES):
        code = codes[index % len(codes)]
        account = chart.ACCOUNTS[code]
        lines.append(BudgetLine(budget=budget, code=code, label=f"{account.label} — poste {index // len(codes) + 1}",
                                amount=Decimal(1000 + index), position=index + 1,
                                funding_status="obtained" if account.is_cofunder_line else ""))
    BudgetLine.objects.bulk_create(lines)
    assert budget.lines.count() == MAX_BUDGET_LINES
    return budget


def fill_indicators(convention) -> IndicatorReport:
    """Open a report on a set of ``MAX_DEFINITIONS_PER_SET`` definitions: split, bands, « dont »."""
    definitions = [
        DefinitionInput(f"ind{n:03d}", f"Indicateur {n}", unit="personnes", split_by_sex=True,
                        bands=[("petites", "moins de 10 salariés"), ("grandes", "plus de 500 salariés")],
                        of_which=[("metropole", "dont dans la Métropole")])
        for n in range(MAX_DEFINITIONS_PER_SET // 4)
    ]
    indicator_set = indicator_set_upsert(name="Jeu à la limite", structure_type=convention.beneficiary.name,
                                         year=BENCH_YEAR, definitions=definitions)
    assert indicator_set.definitions.count() == MAX_DEFINITIONS_PER_SET
    assert indicator_set.definitions.filter(role=Role.BAND).exists()
    return indicator_report_open(convention=convention, year=BENCH_YEAR, indicator_set=indicator_set)


def fill_documents(convention) -> None:
    missing = MAX_DOCUMENTS_PER_AGREEMENT - convention.documents.count()
    Document.objects.bulk_create(Document(convention=convention, kind=DocumentKind.BOARD_CHANGE) for _ in range(missing))
    assert convention.documents.count() == MAX_DOCUMENTS_PER_AGREEMENT


def measure(client: Client, method: str, url: str, runs: int, data=None, before=None) -> dict:
    """Time ``runs`` warm requests; ``before`` (untimed) runs ahead of each, e.g. to post the current version."""
    call = client.post if method == "POST" else client.get
    before = before or (lambda: None)
    before()
    response = call(url, data) if data is not None else call(url)  # warm-up
    if method == "POST" and response.status_code != 302:  # a refused save: say why
        page = response.content.decode()
        print("    refusé :", page[page.find("error-summary"):][:600])
    durations, cpu = [], []
    for _ in range(runs):
        before()
        start, start_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = call(url, data) if data is not None else call(url)
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"status": response.status_code, "median": statistics.median(durations), "max": max(durations),
            "cpu": statistics.median(cpu), "queries": len(queries), "bytes": len(response.content)}


def budget_form_post(client: Client, url: str) -> dict:
    """Return what the portal budget form posts back unchanged (« Enregistrer le brouillon »)."""
    response = client.get(url)
    formset = response.context["formset"]
    data = {f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()}
    data["version"] = response.context["budget"].version
    data["action"] = "save"
    for form in formset.forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if name == "code" and not value:
                value = field.choices[0][0]
            if name == "is_granting_funder":
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (PDF: the same)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # WeasyPrint's progress messages
    setup_test_environment()  # until the pages are measured: see run()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        rows = run(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print_table(rows, args)


def run(runs: int) -> list[tuple[str, dict]]:
    with override_settings(DEBUG=True):
        load_demo()
    convention = Convention.objects.get(reference=SEED_REFERENCE)
    Convention.objects.filter(pk=convention.pk).update(status=Status.DRAFT, signed_pdf="", signed_pdf_sha256="")
    convention.refresh_from_db()
    agent = Client()
    assert agent.login(username="agent", password="demo")
    pdf_url = reverse("admin:conventions_convention_pdf", args=[convention.pk])
    teardown = Template._render
    Template._render = _TestState.saved_data.template_render
    reference = measure(agent, "GET", pdf_url, runs)  # the seed as printed: what this machine makes of 0.75 s
    Template._render = teardown
    budget = fill_budget(convention)
    report = fill_indicators(convention)
    fill_documents(convention)

    member = Client()
    assert member.login(username="scs", password="demo")
    form_url = reverse("portal_budgets:forecast", args=[convention.pk])
    posted = budget_form_post(member, form_url)

    def current_version():  # each save bumps the budget's version: post the current one
        posted["version"] = Budget.objects.get(pk=budget.pk).version

    # Imports, the one kind of upload that reads a file row by row: at the bound, and a file of the largest
    # size accepted (5 Mo) holding 80,000 rows, refused with its count after 25,000 rows are read.
    import_url = reverse("portal_budgets:forecast_import", args=[convention.pk])
    import_post = {}

    def upload(content: bytes, name: str):
        def fresh():  # a file is read once: a new one, with the budget's current version, before each request
            import_post.update(file=SimpleUploadedFile(name, content, content_type="text/csv"),
                               version=Budget.objects.get(pk=budget.pk).version)
        return fresh

    at_bound, too_many = build_csv(MAX_BUDGET_LINES), build_csv(80_000)
    assert len(too_many) <= DEFAULT_MAX_BYTES, len(too_many)
    imports = [
        (f"portail : import d'un budget de {MAX_BUDGET_LINES} lignes (CSV)", upload(at_bound, "budget.csv")),
        (f"portail : import refusé, fichier de {len(too_many) / 1e6:.1f} Mo et 80 000 lignes (CSV)",
         upload(too_many, "gros.csv")),
    ]
    pages = [
        ("portail : budget prévisionnel (formulaire)", member, "GET", form_url, None),
        ("portail : budget prévisionnel, enregistrer", member, "POST", form_url, posted),
        ("portail : justificatifs", member, "GET", reverse("portal_conventions:documents", args=[convention.pk]), None),
        ("portail : indicateurs (formulaire)", member, "GET",
         reverse("portal_indicators:report_form", args=[convention.pk, BENCH_YEAR]), None),
        ("admin : budget (page de modification)", agent, "GET", reverse("admin:budgets_budget_change", args=[budget.pk]),
         None),
        ("admin : convention (page de modification)", agent, "GET",
         reverse("admin:conventions_convention_change", args=[convention.pk]), None),
        ("admin : examen du rapport d'indicateurs", agent, "GET",
         reverse("admin:indicators_indicatorreport_review", args=[report.pk]), None),
        ("admin : convention en PDF (aperçu)", agent, "GET", pdf_url, None),
    ]
    # The test environment instruments every template render (a copy of the context, a signal):
    # needed above to read the form's context, it would triple the figures below.
    # (the rest of the test environment stays: the test client's host, the in-memory email).
    Template._render = _TestState.saved_data.template_render
    rows = [("référence : la convention du seed en PDF, telle qu'imprimée (24 lignes)", reference)]
    for label, client, method, url, data in pages:
        result = measure(client, method, url, runs, data, before=current_version if data else None)
        rows.append((label, result))
        print(f"  {label:<48} {result['status']} {result['median']:6.2f} s", flush=True)
    for label, fresh in imports:
        result = measure(member, "POST", import_url, runs, import_post, before=fresh)
        rows.append((label, result))
        print(f"  {label:<48} {result['status']} {result['median']:6.2f} s", flush=True)
    return rows


def print_table(rows, args) -> None:
    print()
    print(f"Bornes : {MAX_BUDGET_LINES} lignes de budget, {MAX_DEFINITIONS_PER_SET} valeurs d'indicateurs, "
          f"{MAX_DOCUMENTS_PER_AGREEMENT} justificatifs ; base {connection.vendor} ; {args.runs} requêtes par page ; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ; charge {os.getloadavg()[0]:.1f} pour {os.cpu_count()} cœurs")
    print()
    print("| page | statut | requêtes SQL | médiane (s) | max (s) | CPU médian (s) | taille | objectif 2 s (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, r in rows:
        verdict = "atteint" if r["cpu"] < TARGET_SECONDS and r["status"] in (200, 302) else "**NON atteint**"
        print(f"| {label} | {r['status']} | {r['queries']} | {r['median']:.2f} | {r['max']:.2f} | {r['cpu']:.2f} | "
              f"{r['bytes'] // 1024} Ko | {verdict} |")


if __name__ == "__main__":
    main()
