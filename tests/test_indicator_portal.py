"""The association's indicator pages: its own agreements only, French errors on their fields."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.models import ReportStatus
from indicators.rules import Figures
from indicators.services import (
    indicator_report_open,
    indicator_report_record,
    indicator_report_return,
    indicator_report_submit,
)
from tests.factories import BeneficiaryFactory, indicator_set_for_tests
from tests.indicator_helpers import convention_for, good_figures, member_of, post_data, staff
from tests.portal_confirm import confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    indicator_set = indicator_set_for_tests(year=2025)
    beneficiary = BeneficiaryFactory(name="Les Amis du Canal")
    previous = convention_for(beneficiary, 2024)
    indicator_report_record(convention=previous, indicator_set=indicator_set, year=2024, status=ReportStatus.VALIDATED,
                            values={"personnes": "8", "fonds": "1000"})
    return indicator_report_open(convention=convention_for(beneficiary, 2025), indicator_set=indicator_set)


@pytest.fixture
def member(client, report):
    client.force_login(member_of(report.convention.beneficiary))
    return client


def urls(report):
    return [
        reverse("portal_indicators:report_list", args=[report.convention_id]),
        reverse("portal_indicators:report_form", args=[report.convention_id, report.year]),
    ]


def form_url(report):
    return urls(report)[1]


@pytest.mark.parametrize("index", [0, 1])
def test_a_member_of_another_association_gets_404(client, report, index):
    client.force_login(member_of(BeneficiaryFactory(), username="intrus"))
    url = urls(report)[index]
    assert client.get(url).status_code == 404
    assert client.post(url, post_data(good_figures(), report.indicator_set.definitions.all())).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


@pytest.mark.parametrize("index", [0, 1])
def test_anonymous_visitors_are_sent_to_the_login_page(client, report, index):
    response = client.get(urls(report)[index])
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_a_year_without_report_is_404(member, report):
    assert member.get(reverse("portal_indicators:report_form", args=[report.convention_id, 2030])).status_code == 404


def test_the_list_links_to_the_year(member, report):
    page = member.get(urls(report)[0]).content.decode()
    assert form_url(report) in page and "Brouillon" in page and "30 juin 2026" in page


def test_the_form_has_labelled_fields_split_bands_parts_and_last_year(member, report):
    page = member.get(form_url(report)).content.decode()
    assert "<legend>Personnes accompagnées" in page
    for field_id, label in [("id_personnes__total", "Total"), ("id_personnes__women", "Femmes"),
                            ("id_personnes__men", "Hommes"), ("id_personnes__not_stated", "Non renseigné"),
                            ("id_personnes.jeunes__total", "moins de 26 ans"),
                            ("id_personnes.metropole__total", "dont habitants de la Métropole")]:
        assert f'<label for="{field_id}">{label}</label>' in page
    assert "Répartition par tranche" in page
    assert 'id="id_personnes__total_helptext">Année précédente : 8</span>' in page
    assert 'aria-describedby="id_fonds__total_helptext"' in page and "Année précédente : 1\u202f000" in page
    assert "Transmettre à la Métropole" in page


def test_saving_a_draft_with_french_decimals(member, report):
    data = post_data(good_figures(), report.indicator_set.definitions.all())
    data["fonds__total"] = "1 500,50"
    response = member.post(form_url(report), {**data, "save": ""}, follow=True)
    assert "Vos chiffres sont enregistrés" in response.content.decode()
    assert report.values.get(definition__code="fonds").total == D("1500.50")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_errors_are_summarised_at_the_top_and_tied_to_their_fields(member, report):
    data = post_data(good_figures(personnes=Figures(total=D("11"), women=D("6"), men=D("4"), not_stated=D("0"))),
                     report.indicator_set.definitions.all())
    data["personnes.adultes__total"] = "8"
    data["taux__total"] = "abc"
    response = member.post(form_url(report), {**data, "save": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary" role="alert"' in page
    assert "2 erreurs à corriger" in page
    assert '<a href="#id_taux__total">Taux de satisfaction : Saisissez un nombre, par exemple 12 ou 12,5.</a>' in page
    assert '<a href="#id_personnes__total">Personnes accompagnées — Total : Femmes (6)' in page
    assert '<label for="id_taux__total">Pourcentage</label>' in page
    assert 'id="id_personnes__total_error">Femmes (6) + hommes (4) + non renseigné (0) = 10, différent du total (11).' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_personnes__total_helptext id_personnes__total_error"' in page
    assert report.values.get(definition__code="personnes").total is None  # nothing saved


def test_submitting_with_required_figures_missing_is_refused_on_each_field(member, report):
    response = member.post(form_url(report), {"fonds__total": "12", "submit": ""})
    page = response.content.decode()
    assert "Ce chiffre est obligatoire pour transmettre le rapport." in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_a_submitted_report_is_read_only_until_returned(member, report):
    data = post_data(good_figures(), report.indicator_set.definitions.all())
    response = confirm(member, member.post(form_url(report), {**data, "submit": ""}, follow=True))
    page = response.content.decode()
    assert "Votre rapport a été transmis à la Métropole" in page
    assert 'name="personnes__total"' not in page and "Vos chiffres" in page
    assert "1\u202f500,5" in page  # figures shown read-only

    changed = {**data, "fonds__total": "1", "save": ""}
    response = member.post(form_url(report), changed, follow=True)
    assert "il ne peut plus être modifié, sauf s&#x27;il vous est renvoyé pour correction" in response.content.decode()
    assert report.values.get(definition__code="fonds").total == D("1500.50")

    indicator_report_return(report=report, by=staff(), comment="Précisez la répartition par âge.")
    page = member.get(form_url(report)).content.decode()
    assert "Rapport renvoyé pour correction" in page and "Précisez la répartition par âge." in page
    assert 'name="personnes__total"' in page and 'value="10"' in page
    confirm(member, member.post(form_url(report), {**data, "submit": ""}, follow=True))
    assert report.submissions.count() == 2


def test_the_association_sees_its_chart_across_years(member, report):
    indicator_report_submit(report=report, figures=good_figures())
    page = member.get(form_url(report)).content.decode()
    assert 'role="img" aria-labelledby="graphique-personnes-title graphique-personnes-desc"' in page
    assert "<title id=\"graphique-personnes-title\">Personnes accompagnées (personnes), par année</title>" in page
    assert "2024 : 8 ; 2025 : 10 (femmes 6, hommes 4, non renseigné 0)." in page
    assert "Les chiffres du graphique" in page
