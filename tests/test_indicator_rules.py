"""The checks on reported figures (indicators/rules.py), each with its French message on its field."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from indicators.models import IndicatorDefinition, Role, ValueType
from indicators.rules import Figures, change_between, report_errors
from tests.factories import IndicatorDefinitionFactory, indicator_set_for_tests
from tests.indicator_helpers import good_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def definitions():
    return list(indicator_set_for_tests().definitions.all())


def test_complete_consistent_figures_pass_every_check(definitions):
    assert report_errors(definitions, good_figures(), submitting=True) == {}


def test_women_men_and_not_stated_must_add_up_to_the_total(definitions):
    figures = good_figures(personnes=Figures(total=D("11"), women=D("6"), men=D("4"), not_stated=D("0")),
                           **{"personnes.adultes": Figures(total=D("8"))})
    errors = report_errors(definitions, figures, submitting=False)
    assert errors["personnes__total"] == [
        "Femmes (6) + hommes (4) + non renseigné (0) = 10, différent du total (11)."
    ]


def test_not_stated_may_be_left_blank_when_women_and_men_make_the_total(definitions):
    figures = good_figures(personnes=Figures(total=D("10"), women=D("6"), men=D("4")))
    assert report_errors(definitions, figures, submitting=True) == {}


def test_a_split_without_its_total_is_refused(definitions):
    errors = report_errors(definitions, {"personnes": Figures(women=D("2"), men=D("1"))}, submitting=False)
    assert "Indiquez le total" in errors["personnes__total"][0]


def test_bands_must_add_up_to_the_parent_total(definitions):
    errors = report_errors(definitions, good_figures(**{"personnes.jeunes": Figures(total=D("2"))}), submitting=False)
    assert errors == {"personnes__total": ["La somme des tranches (9) est différente du total (10)."]}


def test_a_of_which_part_cannot_exceed_the_total(definitions):
    errors = report_errors(definitions, good_figures(**{"personnes.metropole": Figures(total=D("12"))}), submitting=False)
    assert errors == {
        "personnes.metropole__total": ["« dont habitants de la Métropole » (12) ne peut pas dépasser le total (10)."]
    }


def test_a_of_which_part_equal_to_the_total_is_accepted(definitions):
    assert report_errors(definitions, good_figures(**{"personnes.metropole": Figures(total=D("10"))}), submitting=True) == {}


@pytest.mark.parametrize("field, figures, message", [
    ("personnes__total", {"personnes": Figures(total=D("2.5"))}, "Saisissez un nombre entier, sans décimale."),
    ("personnes__women", {"personnes": Figures(total=D("1"), women=D("-1"), men=D("2"))}, "La valeur ne peut pas être négative."),
    ("personnes.jeunes__total", {"personnes.jeunes": Figures(total=D("-3"))}, "La valeur ne peut pas être négative."),
    ("fonds__total", {"fonds": Figures(total=D("10.505"))}, "Saisissez au plus deux décimales."),
    ("fonds__total", {"fonds": Figures(total=D("1e15"))}, "Ce nombre est trop grand."),
    ("taux__total", {"taux": Figures(total=D("100.01"))}, "Le pourcentage doit être compris entre 0 et 100."),
    ("taux__total", {"taux": Figures(total=D("-1"))}, "Le pourcentage doit être compris entre 0 et 100."),
])
def test_each_figure_is_checked_for_its_type(definitions, field, figures, message):
    errors = report_errors(definitions, figures, submitting=False)
    assert message in errors[field]


@pytest.mark.parametrize("value", ["0", "100", "33.33"])
def test_percentages_from_0_to_100_are_accepted(definitions, value):
    assert report_errors(definitions, good_figures(taux=Figures(total=D(value))), submitting=True) == {}


def test_a_draft_may_be_incomplete_but_a_submission_needs_every_required_figure(definitions):
    assert report_errors(definitions, {}, submitting=False) == {}
    errors = report_errors(definitions, {}, submitting=True)
    required = "Ce chiffre est obligatoire pour transmettre le rapport."
    assert set(errors) == {"personnes__total", "personnes__women", "personnes__men", "personnes.jeunes__total",
                           "personnes.adultes__total", "fonds__total"}
    assert all(messages == [required] for messages in errors.values())


def test_a_required_text_must_be_answered_at_submission(definitions):
    bilan = next(d for d in definitions if d.code == "bilan")
    bilan.is_required = True
    errors = report_errors(definitions, good_figures(bilan=Figures(text="  ")), submitting=True)
    assert errors == {"bilan__text": ["Cette réponse est obligatoire pour transmettre le rapport."]}


def test_bands_without_a_total_are_refused_at_submission_only(definitions):
    figures = {"personnes.jeunes": Figures(total=D("3"))}
    assert "personnes__total" not in report_errors(definitions, figures, submitting=False)
    assert ("Indiquez le total : la somme des tranches doit lui être égale."
            in report_errors(definitions, figures, submitting=True)["personnes__total"])


@pytest.mark.parametrize("changes, field, message", [
    ({"value_type": ValueType.PERCENTAGE, "split_by_sex": True}, "split_by_sex", "Seuls les nombres et les montants"),
    ({"value_type": ValueType.TEXT, "split_by_sex": True}, "split_by_sex", "Seuls les nombres et les montants"),
])
def test_only_counts_and_amounts_can_be_split_women_men(changes, field, message):
    definition = IndicatorDefinitionFactory.build(indicator_set=indicator_set_for_tests(), **changes)
    with pytest.raises(ValidationError) as raised:
        definition.full_clean()
    assert message in raised.value.message_dict[field][0]


def test_a_band_takes_the_type_of_its_parent_and_belongs_to_its_set():
    indicator_set = indicator_set_for_tests()
    parent = indicator_set.definitions.get(code="personnes")
    band = IndicatorDefinition(indicator_set=indicator_set, parent=parent, role=Role.BAND, code="x", label="x",
                               value_type=ValueType.AMOUNT)
    with pytest.raises(ValidationError) as raised:
        band.full_clean()
    assert "value_type" in raised.value.message_dict
    other = indicator_set_for_tests(name="Autre jeu").definitions.get(code="personnes")
    band.value_type, band.parent = ValueType.COUNT, other
    with pytest.raises(ValidationError) as raised:
        band.full_clean()
    assert raised.value.message_dict["parent"] == ["L'indicateur parent doit appartenir au même jeu."]


def test_a_band_needs_a_parent_and_a_code_is_plain():
    definition = IndicatorDefinition(indicator_set=indicator_set_for_tests(), role=Role.BAND, code="É x", label="x")
    with pytest.raises(ValidationError) as raised:
        definition.full_clean()
    assert "parent" in raised.value.message_dict and "code" in raised.value.message_dict


@pytest.mark.parametrize("current, previous, notable", [
    ("120", "100", False), ("121", "100", True), ("79", "100", True), ("5", "0", True), ("0", "0", False),
])
def test_changes_beyond_twenty_percent_are_notable(current, previous, notable):
    assert change_between(D(current), D(previous)).is_notable is notable


def test_no_change_without_a_previous_figure():
    assert change_between(D("3"), None) is None
