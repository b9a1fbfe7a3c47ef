"""French typography everywhere: « 1er » in dates, years never with a thousands separator (core/dates.py)."""

import re
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from compliance.consistency import consistency_findings
from dossier.printing.agreement import TEMPLATE, agreement_data_load, agreement_pdf_context
from tests.factories import ConventionFactory

#: A year printed as a quantity: « 2 023 » with a space, a no-break or a narrow no-break space.
GROUPED_YEAR = re.compile(r"\b2[ \u00a0\u202f]0\d\d\b")


def test_the_agreement_pdf_html_and_metadata_print_years_without_separator(seed_convention):
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, agreement_pdf_context(agreement_data_load(seed_convention)))
    assert 'content="Convention' in html or "<title>" in html
    assert "exercice 2023" in html.split("<body", 1)[0]  # the PDF's description metadata
    assert "Exercice 2023" in html
    assert GROUPED_YEAR.findall(html) == []


@pytest.mark.parametrize("page", ["portal:home", "portal_signed"])
def test_portal_pages_print_years_without_separator(client, seed_convention, page):
    client.login(username="scs", password="demo")
    url = (reverse("portal:home") if page == "portal:home"
           else reverse("portal_conventions:signed_documents", args=[seed_convention.pk]))
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert GROUPED_YEAR.findall(response.content.decode()) == []


def test_a_date_on_the_first_of_the_month_is_an_ordinal(db):
    convention = ConventionFactory(deliberation_date=date(2025, 12, 20), beneficiary_signed_on=date(2025, 12, 1))
    [message] = [f.message for f in consistency_findings(convention) if f.code == "dates"]
    assert "la signature par l'association (1er décembre 2025) précède la délibération (20 décembre 2025)" in message


# Latin in italics: one rule (core.french.italicize_latin) applied by the clause engine's inline markup,
# so every clause, its heading and the free texts printed like clauses get it.

def test_latin_phrases_of_the_clauses_are_printed_in_italics(seed_convention):
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, agreement_pdf_context(agreement_data_load(seed_convention)))
    assert "(« <em class=\"latin\">intuitu personae</em> »)" in html  # article 11's text
    assert "Article 11 : <em class=\"latin\">Intuitu personae</em>" in html  # its heading, in the table of contents too
    assert "intuitu personae" not in re.sub(r"<em class=\"latin\">[^<]*</em>", "", html).lower()


def test_the_italics_rule_keeps_french_words_upright_and_escapes_nothing_new():
    from conventions.clauses.engine import clause_render

    html = clause_render("Versé **prorata temporis**, a priori au prorata des dépenses ; « à priori » reste droit.", {})
    assert html == ("<p>Versé <strong><em class=\"latin\">prorata temporis</em></strong>, <em class=\"latin\">a priori</em> "
                    "au prorata des dépenses ; « à priori » reste droit.</p>")


def test_free_text_printed_as_paragraphs_gets_the_same_italics():
    from conventions.templatetags.pdf import paragraphs

    assert str(paragraphs("Une aide <b>ad hoc</b>.")) == "<p>Une aide &lt;b&gt;<em class=\"latin\">ad hoc</em>&lt;/b&gt;.</p>"


# « 1er » in every printed date, the draft mark's date and the date-times of the portal and emails included.

def test_the_draft_mark_is_dated_with_an_ordinal_on_the_first_of_the_month(seed_convention, monkeypatch):
    monkeypatch.setattr("core.dates.timezone.localdate", lambda: date(2026, 12, 1))
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, agreement_pdf_context(agreement_data_load(seed_convention)))
    assert "PROJET — document de travail établi le 1er décembre 2026, sans valeur contractuelle" in html


def test_a_date_time_is_printed_in_local_time_with_an_ordinal():
    from datetime import UTC, datetime

    from django.template import Context, Template

    moment = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)  # 14:05 in Paris
    assert Template("{{ moment|long_datetime }}").render(Context({"moment": moment})) == "1er décembre 2026 à 14:05"


def test_no_template_prints_a_day_of_the_month_with_djangos_date_filter():
    """« |date:"j F" » and « {% now "j F" %} » print « 1 décembre »: every template uses long_date instead."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for path in [*root.glob("*/templates/**/*"), *root.glob("templates/**/*")]
        if path.is_file() and path.suffix in (".html", ".txt")
        and re.search(r"""(\|date:|\{% now )["']j """, path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_read_only_years_on_admin_change_pages_are_printed_as_written(client, demo):
    """A signed agreement's year is read-only: the admin would print it as a number (« 2 025 »)."""
    from conventions.models import Convention

    client.login(username="admin", password="demo")
    convention = Convention.objects.get(reference="AMP-2025-CULT-TVP")  # signed, with its indicator report inline
    html = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert re.search(r"<label>Exercice\s*:</label>\s*<div class=\"readonly\">2025</div>", html)
    assert re.search(r"<td class=\"field-year\">\s*<p>2025</p>", html)
    assert GROUPED_YEAR.findall(html) == []


def test_read_only_dates_on_admin_change_pages_take_the_ordinal(client, db):
    """Signed, the agreement's dates are read-only: the admin's « j F Y » would print « 1 décembre »."""
    from conventions.models import Status
    from core.roles import AGENT
    from tests.factories import staff_user

    convention = ConventionFactory(status=Status.SIGNED, beneficiary_signed_on=date(2025, 12, 1),
                                   funder_signed_on=date(2025, 12, 3))
    client.force_login(staff_user("agent1", AGENT))
    html = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert re.search(r"<div class=\"readonly\">1er décembre 2025</div>", html)  # signed by the association
    assert re.search(r"<div class=\"readonly\">1er janvier 2025</div>", html)  # start of the period
    assert not re.search(r">1 (janvier|décembre) 2025<", html)


def test_exports_print_years_without_separator(demo):
    """The budget and indicator exports (CSV for French spreadsheets) write the year as a label."""
    from budgets.exports import export_year as budgets_of_year
    from indicators.resources import export_year as indicators_of_year

    budgets_csv = budgets_of_year(2023, "csv").content.decode("utf-8-sig")
    assert ";2023;Budget prévisionnel;" in budgets_csv
    indicators_csv, _content_type = indicators_of_year(2025, "csv")
    indicators_csv = indicators_csv if isinstance(indicators_csv, str) else indicators_csv.decode("utf-8-sig")
    assert indicators_csv.splitlines()[1].startswith("2025,")
    assert GROUPED_YEAR.findall(budgets_csv + indicators_csv) == []
