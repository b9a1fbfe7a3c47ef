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
