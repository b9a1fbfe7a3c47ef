"""Staff review of a report beside its history, the yearly export and the charts."""

import csv
import io
from decimal import Decimal as D
from xml.etree import ElementTree

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import charts
from core.charts import nice_step
from indicators.charts import indicator_chart, report_charts
from indicators.models import IndicatorDefinition, ReportStatus, SubmissionOutcome
from indicators.rules import Figures
from indicators.selectors import Point
from indicators.services import (
    DefinitionInput,
    indicator_report_open,
    indicator_report_record,
    indicator_report_return,
    indicator_report_submit,
    indicator_set_upsert,
)
from tests.factories import BeneficiaryFactory, indicator_set_for_tests
from tests.indicator_helpers import convention_for, finance_user, good_figures, staff

pytestmark = pytest.mark.django_db

EXPORT_COLUMNS = ["Année", "Association", "SIRET", "Convention", "État du rapport", "Code", "Indicateur", "Nature",
                  "Unité", "Total", "Femmes", "Hommes", "Non renseigné", "Réponse (texte)"]


def submitted_report(name="Les Amis du Canal", **overrides):
    """Return a submitted 2025 report whose association reported 2024 and a 2019-2022 period before."""
    indicator_set = indicator_set_for_tests(year=2025)
    beneficiary = BeneficiaryFactory(name=name)
    indicator_report_record(convention=convention_for(beneficiary, 2022), indicator_set=indicator_set, year=2022,
                            period_label="2019-2022", status=ReportStatus.VALIDATED, values={"personnes": "30"})
    indicator_report_record(convention=convention_for(beneficiary, 2024), indicator_set=indicator_set, year=2024,
                            status=ReportStatus.VALIDATED, values={"personnes": "8", "fonds": "1500.50"})
    report = indicator_report_open(convention=convention_for(beneficiary, 2025), indicator_set=indicator_set)
    indicator_report_submit(report=report, figures=good_figures(**overrides))
    return report


@pytest.fixture
def agent(client):
    client.force_login(staff())
    return client


def review_url(report):
    return reverse("admin:indicators_indicatorreport_review", args=[report.pk])


def test_the_review_page_shows_the_figures_beside_last_year_and_the_previous_period(agent):
    report = submitted_report()
    page = agent.get(review_url(report)).content.decode()
    assert "Les Amis du Canal" in page and "Période 2019-2022" in page
    row = page[page.index("Personnes accompagnées"):page.index("moins de 26 ans")]
    assert "femmes 6 · hommes 4 · non renseigné 0" in row
    assert '<td class="num notable">+2 (+25,0\u00a0%)</td>' in row  # 8 → 10: highlighted
    assert '<td class="num">30</td>' in row  # the 2019-2022 record
    fonds = page[page.index("Fonds levés"):page.index("Taux de satisfaction")]
    assert '<td class="num">0 (0,0\u00a0%)</td>' in fonds  # unchanged: not highlighted
    assert "Valider le rapport" in page and "Renvoyer pour correction" in page
    assert "Transmission n° 1" in page
    assert 'aria-labelledby="graphique-personnes-title graphique-personnes-desc"' in page


def test_the_review_page_query_count_is_pinned_and_flat(agent):
    report = submitted_report()
    url = review_url(report)
    with CaptureQueriesContext(connection) as before:
        assert agent.get(url).status_code == 200
    # More history, more indicators and more submissions must not add queries.
    for year in (2020, 2021, 2023):
        indicator_report_record(convention=convention_for(report.convention.beneficiary, year),
                                indicator_set=report.indicator_set, year=year, status=ReportStatus.VALIDATED,
                                values={"personnes": str(year - 2000), "fonds": "10"})
    for i in range(5):
        IndicatorDefinition.objects.create(indicator_set=report.indicator_set, code=f"extra{i}", label=f"Extra {i}",
                                           is_required=False, position=100 + i)
    indicator_report_return(report=report, by=staff(username="autre-agent"), comment="À revoir.")
    indicator_report_submit(report=report)
    with CaptureQueriesContext(connection) as after:
        response = agent.get(url)
    assert "Transmission n° 2" in response.content.decode()
    # 12: with whether the reviewer belongs to the association (segregation of duties)
    assert len(after.captured_queries) == len(before.captured_queries) == 12


def test_the_agent_validates_from_the_review_page(agent):
    report = submitted_report()
    response = agent.post(review_url(report), {"action": "validate", "comment": ""}, follow=True)
    assert "Le rapport est validé." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.VALIDATED
    assert report.submissions.get().outcome == SubmissionOutcome.VALIDATED


def test_returning_without_a_comment_is_refused_on_the_page(agent):
    report = submitted_report()
    response = agent.post(review_url(report), {"action": "return", "comment": " "})
    assert response.status_code == 200
    assert "Indiquez à l&#x27;association ce qu&#x27;elle doit corriger." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    agent.post(review_url(report), {"action": "return", "comment": "Précisez les tranches d'âge."})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "Précisez les tranches d'âge."


def test_finance_reads_the_review_page_but_cannot_decide(client):
    report = submitted_report()
    client.force_login(finance_user())
    page = client.get(review_url(report)).content.decode()
    assert "Personnes accompagnées" in page and "Valider le rapport" not in page
    assert client.post(review_url(report), {"action": "validate"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_report_and_the_agreement_link_to_the_review(agent):
    report = submitted_report()
    change = agent.get(reverse("admin:indicators_indicatorreport_change", args=[report.pk])).content.decode()
    assert review_url(report) in change
    agreement = agent.get(reverse("admin:conventions_convention_change", args=[report.convention_id])).content.decode()
    assert review_url(report) in agreement


def _export(client, year, fmt):
    response = client.get(reverse("admin:indicators_indicatorreport_export"), {"year": year, "file_format": fmt})
    assert response.status_code == 200
    return response


def test_the_csv_export_has_one_row_per_association_and_indicator(agent):
    report = submitted_report()
    response = _export(agent, 2025, "csv")
    assert response["Content-Disposition"] == 'attachment; filename="indicateurs-2025.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == EXPORT_COLUMNS
    assert len(rows) == 1 + 7
    siret, reference = report.convention.beneficiary.siret, report.convention.reference
    assert rows[1] == ["2025", "Les Amis du Canal", siret, reference, "Transmis", "personnes", "Personnes accompagnées",
                       "Indicateur", "personnes", "10", "6", "4", "0", ""]
    assert rows[2][5:10] == ["personnes.jeunes", "moins de 26 ans", "Tranche de « personnes »", "personnes", "3"]
    assert rows[4][5:8] == ["personnes.metropole", "dont habitants de la Métropole", "Dont de « personnes »"]
    assert rows[5][5:] == ["fonds", "Fonds levés", "Indicateur", "€", "1500.5", "", "", "", ""]
    assert rows[7][5:] == ["bilan", "Bilan de l'année", "Indicateur", "", "", "", "", "", "Une bonne année."]


def test_the_xlsx_export_has_the_same_columns_and_numbers(agent):
    submitted_report()
    response = _export(agent, 2025, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert rows[1][9:13] == (10, 6, 4, 0)
    assert rows[5][9] == 1500.5


def test_the_export_leaves_other_years_out_and_keeps_formulas_inert(agent):
    submitted_report(bilan=Figures(text="=HYPERLINK(\"http://x\")"))
    rows = list(csv.reader(io.StringIO(_export(agent, 2025, "csv").content.decode())))
    assert {row[0] for row in rows[1:]} == {"2025"}
    assert rows[-1][-1] == "'=HYPERLINK(\"http://x\")"
    assert "Sélectionnez" not in agent.get(reverse("admin:indicators_indicatorreport_export")).content.decode()


def test_the_export_query_count_does_not_grow_with_reports(agent):
    submitted_report()
    url = reverse("admin:indicators_indicatorreport_export")
    with CaptureQueriesContext(connection) as before:
        agent.get(url, {"year": 2025, "file_format": "csv"})
    for i in range(4):
        submitted_report(name=f"Association {i}")
    with CaptureQueriesContext(connection) as after:
        response = agent.get(url, {"year": 2025, "file_format": "csv"})
    assert len(response.content.decode().splitlines()) == 1 + 5 * 7
    assert len(after.captured_queries) == len(before.captured_queries)


@pytest.mark.parametrize("maximum, step", [("200", "50"), ("7", "2"), ("81000000", "50000000"), ("0", "1"), ("4", "1")])
def test_chart_axis_steps_are_round(maximum, step):
    assert nice_step(D(maximum)) == D(step)


SVG = "{http://www.w3.org/2000/svg}"


def bars_of(svg) -> dict[str, dict[str, D]]:
    """Return each bar of an engine SVG by its hover title (« 2025 — Femmes : 60 »), with its geometry."""
    root = ElementTree.fromstring(str(svg))  # noqa: S314 - our own SVG, not untrusted input
    return {rect.find(f"{SVG}title").text: {k: D(rect.get(k)) for k in ("y", "height")}
            for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None}


def split_points():
    definition = indicator_set_upsert(name="J", structure_type="T", year=2025, definitions=[
        DefinitionInput("emplois", "Emplois créés", unit="emplois", split_by_sex=True)]).definitions.get()
    points = [
        Point("2019-2022", 2022, True, False, Figures(total=D("40"))),
        Point("2025", 2025, False, True, Figures(total=D("100"), women=D("60"), men=D("40"), not_stated=D("0"))),
    ]
    return definition, points


def test_split_figures_are_drawn_as_stacked_bars():
    definition, points = split_points()
    chart = indicator_chart(definition, points)
    bars = bars_of(chart.svg)
    # One bar for the unsplit period; women and men stacked for 2025; no bar for the zero not stated.
    assert set(bars) == {"2019-2022 — Total : 40", "2025 — Femmes : 60", "2025 — Hommes : 40"}
    women, men = bars["2025 — Femmes : 60"], bars["2025 — Hommes : 40"]
    assert men["y"] + men["height"] == women["y"]  # stacked
    assert women["height"] / men["height"] == D("1.5")  # 60 / 40
    assert bars["2019-2022 — Total : 40"]["height"] == men["height"]  # same axis for every year
    assert [series.label for series in chart.series] == ["Total", "Femmes", "Hommes"]
    svg = str(chart.svg)
    for label in ("Total", "Femmes", "Hommes", "2019-2022", "2025", ">100<", ">40<"):  # legend, years, totals
        assert label in svg
    assert "Non renseigné" not in svg  # nothing to draw: only in the description and the table
    assert 'font-weight="700" text-anchor="middle" fill="#222">2025</text>' in svg  # the current year is bold
    assert chart.description == "2019-2022 : 40 ; 2025 : 100 (femmes 60, hommes 40, non renseigné 0)."
    assert f'<desc id="graphique-emplois-desc">{chart.description}</desc>' in svg
    assert '<title id="graphique-emplois-title">Emplois créés (emplois), par année</title>' in svg
    assert chart.rows[1].cells == ["100", "60", "40", "0"]
    table = str(chart.figure)
    assert "<summary>Les chiffres du graphique</summary>" in table
    assert '<th scope="col">Année</th><th scope="col" class="num">Total</th>' in table
    assert ('<tr><th scope="row">2025</th><td class="num">100</td><td class="num">60</td><td class="num">40</td>'
            '<td class="num">0</td></tr>') in table


def test_large_figures_are_written_the_french_way_on_the_chart():
    definition = indicator_set_upsert(name="J", structure_type="T", year=2025, definitions=[
        DefinitionInput("fonds", "Fonds levés", unit="€")]).definitions.get()
    points = [Point("2024", 2024, False, False, Figures(total=D("110000"))),
              Point("2025", 2025, False, True, Figures(total=D("81000000")))]
    svg = str(indicator_chart(definition, points).svg)
    assert ">110\u202f000<" in svg and ">81\u00a0M<" in svg  # above the bars
    assert ">100\u00a0M<" in svg  # the top of the axis, on a round step
    assert "2025 — Total : 81\u00a0M" in svg
    assert ">Total</text>" not in svg  # one series, not split: no legend


def test_the_indicator_charts_are_drawn_by_the_one_chart_engine(monkeypatch):
    definition, points = split_points()
    calls = []
    engine = charts.column_chart

    def recording(**kwargs):
        calls.append(kwargs)
        return engine(**kwargs)

    monkeypatch.setattr(charts, "column_chart", recording)
    chart = report_charts([definition], {"emplois": points})[0]
    assert len(calls) == 1 and calls[0]["chart_id"] == "graphique-emplois"
    assert calls[0]["categories"] == ["2019-2022", "2025"]
    assert calls[0]["values"] == [[D("40"), 0, 0], [0, D("60"), D("40")]]
    assert chart.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"')
