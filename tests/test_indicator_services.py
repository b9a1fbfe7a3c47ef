"""The report's life: opened with the agreement, saved, submitted, returned, resubmitted, validated."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.deadlines import justification_due_date
from indicators.models import (
    IndicatorReport,
    IndicatorSet,
    IndicatorSubmission,
    IndicatorValue,
    ReportStatus,
    SubmissionOutcome,
)
from indicators.rules import Figures
from indicators.services import (
    indicator_report_open,
    indicator_report_return,
    indicator_report_save,
    indicator_report_submit,
    indicator_report_validate,
    indicator_set_copy,
)
from tests.factories import BeneficiaryFactory, indicator_set_for_tests
from tests.indicator_helpers import convention_for, finance_user, good_figures, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    indicator_set = indicator_set_for_tests(is_default=True)
    return indicator_report_open(convention=convention_for(), indicator_set=indicator_set)


def saved(report) -> dict[str, Figures]:
    return {v.definition.code: Figures.of(v) for v in report.values.select_related("definition")}


def test_opening_a_report_is_idempotent_and_due_with_the_justification(report):
    convention = report.convention
    assert indicator_report_open(convention=convention) == report
    assert IndicatorReport.objects.filter(convention=convention).count() == 1
    assert report.year == 2025 and report.status == ReportStatus.DRAFT
    assert report.due_on == justification_due_date(convention) == date(2026, 6, 30)
    assert report.values.count() == report.indicator_set.definitions.count() == 7


def test_a_new_association_gets_the_default_set_of_the_year():
    indicator_set_for_tests(year=2024, is_default=True)
    default_2025 = indicator_set_for_tests(year=2025, name="Jeu commun", is_default=True, structure_type="Commun")
    assert indicator_report_open(convention=convention_for()).indicator_set == default_2025


def test_an_association_keeps_its_structure_type_from_year_to_year():
    beneficiary = BeneficiaryFactory()
    innovation_2024 = indicator_set_for_tests(year=2024, structure_type="Innovation", name="Innovation")
    indicator_report_open(convention=convention_for(beneficiary, 2024), indicator_set=innovation_2024)
    indicator_set_for_tests(year=2025, name="Commun", is_default=True, structure_type="Commun")
    innovation_2025 = indicator_set_copy(indicator_set=innovation_2024)
    assert indicator_report_open(convention=convention_for(beneficiary, 2025)).indicator_set == innovation_2025


def test_opening_without_any_set_is_refused_in_french():
    with pytest.raises(ValidationError, match="Aucun jeu d'indicateurs ne s'applique à cette convention pour 2025"):
        indicator_report_open(convention=convention_for())


def test_saving_a_draft_stores_the_figures(report):
    indicator_report_save(report=report, figures=good_figures())
    assert saved(report)["personnes"] == Figures(total=D("10"), women=D("6"), men=D("4"), not_stated=D("0"))
    assert saved(report)["bilan"].text == "Une bonne année."


def test_bad_figures_are_refused_on_their_field_and_nothing_is_saved(report):
    indicator_report_save(report=report, figures={"fonds": Figures(total=D("100"))})
    bad = good_figures(personnes=Figures(total=D("11"), women=D("6"), men=D("4")), fonds=Figures(total=D("5")))
    with pytest.raises(ValidationError) as raised:
        indicator_report_save(report=report, figures=bad)
    assert "différent du total (11)" in raised.value.message_dict["personnes__total"][0]
    assert saved(report)["fonds"].total == D("100.00")
    assert saved(report)["personnes"].total is None


def test_a_submission_with_required_figures_missing_is_refused(report):
    with pytest.raises(ValidationError) as raised:
        indicator_report_submit(report=report, figures={"fonds": Figures(total=D("5"))})
    assert raised.value.message_dict["personnes__total"] == ["Ce chiffre est obligatoire pour transmettre le rapport."]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.submissions.exists()
    assert saved(report)["fonds"].total is None


def test_submitting_freezes_a_copy_and_locks_the_report(report):
    submission = indicator_report_submit(report=report, figures=good_figures())
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
    assert submission.number == 1 and submission.outcome == SubmissionOutcome.PENDING
    assert submission.values.get(definition__code="personnes").women == D("6")
    message = "Ce rapport a déjà été transmis : il ne peut plus être modifié, sauf s'il vous est renvoyé pour correction."
    with pytest.raises(ValidationError, match=message):
        indicator_report_save(report=report, figures=good_figures(fonds=Figures(total=D("1"))))
    with pytest.raises(ValidationError, match=message):
        indicator_report_submit(report=report)
    assert saved(report)["fonds"].total == D("1500.50")


def test_submitting_the_saved_figures(report):
    indicator_report_save(report=report, figures=good_figures())
    submission = indicator_report_submit(report=report)
    assert submission.values.get(definition__code="fonds").total == D("1500.50")


def test_return_and_resubmit_keeps_both_versions(report):
    agent = staff()
    indicator_report_submit(report=report, figures=good_figures(), by=None)
    indicator_report_return(report=report, by=agent, comment="Le total ne correspond pas au rapport d'activité.")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.is_editable
    corrected = good_figures(personnes=Figures(total=D("12"), women=D("7"), men=D("5")),
                             **{"personnes.adultes": Figures(total=D("9"))})
    indicator_report_submit(report=report, figures=corrected)
    indicator_report_validate(report=report, by=agent)

    first, second = IndicatorSubmission.objects.filter(report=report).order_by("number")
    assert (first.number, first.outcome, first.review_comment) == (
        1, SubmissionOutcome.RETURNED, "Le total ne correspond pas au rapport d'activité.")
    assert (second.number, second.outcome, second.reviewed_by) == (2, SubmissionOutcome.VALIDATED, agent)
    assert first.values.get(definition__code="personnes").total == D("10")
    assert second.values.get(definition__code="personnes").total == D("12")
    report.refresh_from_db()
    assert report.status == ReportStatus.VALIDATED and report.reviewed_by == agent
    assert saved(report)["personnes"].total == D("12")
    returned = report.history.get(status=ReportStatus.RETURNED)  # the audit trail, with a short reason
    assert returned.history_change_reason == "Renvoyé pour correction" and returned.history_user == agent


def test_returning_needs_a_comment(report):
    indicator_report_submit(report=report, figures=good_figures())
    with pytest.raises(ValidationError) as raised:
        indicator_report_return(report=report, by=staff(), comment="   ")
    assert raised.value.message_dict == {"comment": ["Indiquez à l'association ce qu'elle doit corriger."]}
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_only_a_submitted_report_can_be_validated_or_returned(report):
    with pytest.raises(ValidationError, match="Seul un rapport transmis peut être validé ou renvoyé ; celui-ci est « Brouillon »"):
        indicator_report_validate(report=report, by=staff())
    indicator_report_submit(report=report, figures=good_figures())
    indicator_report_validate(report=report, by=staff())
    with pytest.raises(ValidationError, match="Ce rapport a été validé : il ne peut plus être modifié."):
        indicator_report_save(report=report, figures=good_figures())


def test_only_an_authorised_agent_reviews(report):
    indicator_report_submit(report=report, figures=good_figures())
    with pytest.raises(ValidationError, match="Seul un agent habilité"):
        indicator_report_validate(report=report, by=finance_user())
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_copying_a_set_to_the_next_year_copies_its_definitions():
    original = indicator_set_for_tests(year=2025, is_default=True)
    copy = indicator_set_copy(indicator_set=original)
    assert (copy.year, copy.name, copy.is_default) == (2026, original.name, True)
    codes = list(copy.definitions.values_list("code", "parent__code", "role", "split_by_sex"))
    assert codes == list(original.definitions.values_list("code", "parent__code", "role", "split_by_sex"))
    assert copy.definitions.get(code="personnes.jeunes").parent.indicator_set == copy
    with pytest.raises(ValidationError, match="existe déjà pour 2026"):
        indicator_set_copy(indicator_set=original)


def test_the_admin_action_copies_a_set(client):
    from tests.indicator_helpers import staff as make_staff

    admin_user = make_staff(username="administrateur")
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    original = indicator_set_for_tests(year=2025)
    response = client.post(reverse("admin:indicators_indicatorset_changelist"),
                           {"action": "copy_to_next_year", "_selected_action": [original.pk]}, follow=True)
    assert "1 jeu copié vers l&#x27;année suivante." in response.content.decode()
    assert IndicatorSet.objects.filter(year=2026, name=original.name).exists()


def test_the_seed_annex_v_set_is_loaded(seed_convention):
    report = IndicatorReport.objects.get(convention=seed_convention, year=2023, period_label="")
    annex_v = report.indicator_set
    assert annex_v.year == 2023 and "annexe V" in annex_v.name
    main = list(annex_v.definitions.filter(parent=None).values_list("code", flat=True))
    assert main == ["adherents", "effectif", "nouveaux", "effectifs_cumules", "projets_rd", "emplois"]
    assert list(annex_v.definitions.filter(parent__code="effectif").values_list("label", flat=True)) == [
        "moins de 10 salariés", "de 11 à 50 salariés", "de 51 à 100 salariés", "de 101 à 500 salariés",
        "plus de 500 salariés"]
    assert annex_v.definitions.get(code="emplois").split_by_sex
    assert annex_v.definitions.get(code="nouveaux.metropole").role == "of_which"
    assert report.due_on == date(2024, 6, 30)
    history = IndicatorReport.objects.get(convention=seed_convention, period_label="2019-2022")
    assert IndicatorValue.objects.get(report=history, definition__code="adherents").total == D("200")
