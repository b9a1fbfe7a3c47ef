"""Deliberations (deliberations/): the annex table and its totals in PDF and XLSX, the vote recorded once,
what it draws (agreements in draft prefilled from the application, notification and refusal letters),
the cumulated 23 000 € rule, the locks after the vote, the legality control, the audit trail."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import ApplicationStatus
from campaigns.services import application_refuse
from conventions.models import Convention, DeliberationBody, Kind, Status, Tranche
from conventions.services import convention_upsert
from core.roles import AGENT, FINANCE
from deliberations.annex import AnnexTotals, annex_pdf, annex_table, annex_xlsx, check_annex_totals
from deliberations.letters import letters_pdf, letters_queryset
from deliberations.models import (
    Deliberation,
    DeliberationLine,
    DeliberationStatus,
    Letter,
    LetterKind,
    LineOutcome,
)
from deliberations.rules import previous_year_amounts
from deliberations.services import (
    deliberation_add_applications,
    deliberation_add_proposed,
    deliberation_line_remove,
    deliberation_line_update,
    deliberation_record_receipt,
    deliberation_transmit,
    deliberation_update,
    deliberation_vote,
    vote_plan,
)
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    BudgetLineFactory,
    CampaignFactory,
    ConventionFactory,
    DeliberationFactory,
    FunderFactory,
    MembershipFactory,
    staff_user,
)
from tests.pdf_helpers import normalize, pdf_text

pytestmark = pytest.mark.django_db

AFTER_SESSION = date(2027, 3, 20)


@pytest.fixture
def agent():
    return staff_user("agent_delib", AGENT)


def proposed(campaign, beneficiary, title, *, requested, proposed_amount, charges=None, **kwargs):
    application = ApplicationFactory(campaign=campaign, beneficiary=beneficiary, action_title=title,
                                     requested_amount=D(requested), proposed_amount=D(proposed_amount),
                                     status=ApplicationStatus.PROPOSED, proposal_reason="Action utile.", **kwargs)
    if charges:
        BudgetLineFactory(budget=application.budget, code="641", label="Salaires", amount=D(charges))
        BudgetLineFactory(budget=application.budget, code="744", label="Métropole", amount=D(requested),
                          is_granting_funder=True)
    return application


@pytest.fixture
def batch(agent):
    return make_batch(agent)


def make_batch(agent):
    """One beneficiary with two subsidies (20 000 € + 16 500 €), another with one of 10 000 € asking more
    than its action's budget, on one deliberation of the Bureau."""
    funder = FunderFactory()
    campaign = CampaignFactory(programme__funder=funder, programme__name="Cohésion sociale et politique de la ville")
    pole = BeneficiaryFactory(name="Pôle Solutions Communicantes Sécurisées", acronym="Pôle SCS")
    jardins = BeneficiaryFactory(name="Les Jardins partagés de l'Huveaune", acronym="")
    cyber = proposed(campaign, pole, "Sensibilisation à la cybersécurité", requested="22000", proposed_amount="20000",
                     charges="60000", objectives="Former 300 dirigeants de TPE.\nPublier un guide.")
    seniors = proposed(campaign, pole, "Ateliers numériques pour les seniors", requested="16500",
                       proposed_amount="16500", charges="40000")
    gardens = proposed(campaign, jardins, "Jardins pédagogiques", requested="12000", proposed_amount="10000",
                       charges="9000")
    deliberation = DeliberationFactory(funder=funder, number="CS 001-27/BM")
    deliberation_add_applications(deliberation=deliberation, applications=[cyber, seniors, gardens], user=agent)
    return {"deliberation": deliberation, "campaign": campaign, "funder": funder, "pole": pole, "jardins": jardins,
            "cyber": cyber, "seniors": seniors, "gardens": gardens}


def line_of(application):
    return DeliberationLine.objects.get(application=application)


# --- The annex table -------------------------------------------------------------------------------


def test_the_annex_rows_read_the_application_its_budget_the_previous_year_and_the_23000_rule(batch):
    funder = batch["funder"]
    ConventionFactory(funder=funder, beneficiary=batch["pole"], fiscal_year=2026, amount_granted=D("30000"),
                      status=Status.ACTIVE)
    ConventionFactory(funder=funder, beneficiary=batch["pole"], fiscal_year=2026, amount_granted=D("9000"),
                      status=Status.CANCELLED)  # never granted: not counted
    ConventionFactory(funder=funder, beneficiary=batch["pole"], fiscal_year=2026, amount_granted=D("5000"),
                      status=Status.DRAFT)  # not voted: not counted
    ApplicationFactory(campaign=CampaignFactory(programme__funder=funder, year=2026), beneficiary=batch["jardins"],
                       status=ApplicationStatus.GRANTED, granted_amount=D("4000"))  # notified, no agreement
    annex = annex_table(batch["deliberation"])
    rows = {row.action: row for row in annex.rows}
    cyber = rows["Sensibilisation à la cybersécurité"]
    assert (cyber.beneficiary, cyber.previous_year, cyber.action_budget, cyber.requested, cyber.proposed) == (
        "Pôle Solutions Communicantes Sécurisées", None, D("60000"), D("22000"), D("20000"))
    # 20 000 € + 16 500 € for one beneficiary: above 23 000 € together, both need an agreement.
    assert cyber.agreement_label == rows["Ateliers numériques pour les seniors"].agreement_label == "oui"
    gardens = rows["Jardins pédagogiques"]
    assert (gardens.previous_year, gardens.action_budget, gardens.agreement_label) == (D("4000"), D("9000"), "non")
    assert annex.totals.proposed == D("46500") and annex.totals.requested == D("50500")
    # Given once per beneficiary (on its first row): the total counts the Pôle's 30 000 € once.
    assert rows["Ateliers numériques pour les seniors"].previous_year == D("30000")  # its first row
    assert annex.totals.previous_year == D("34000")
    assert annex.totals.action_budget == D("109000")
    assert annex.agreements == 2


def test_the_annex_rows_follow_the_beneficiaries_names_whatever_order_they_were_added_in():
    """The annex sums budget lines (GROUP BY), where Django drops the model's ordering: PostgreSQL gave
    the rows in any order, and « given once per beneficiary, on its first row » moved with them."""
    funder = FunderFactory()
    campaign = CampaignFactory(programme__funder=funder)
    names = [f"Association {letter}" for letter in "ZYXWVUTSRQPONMLKJIHGFEDCBA"]
    deliberation = DeliberationFactory(funder=funder)
    for name in names:  # lines written in the reverse order of the names
        application = proposed(campaign, BeneficiaryFactory(name=name, acronym=""), f"Action {name}",
                               requested="1000", proposed_amount="900", charges="2000")
        DeliberationLine.objects.create(deliberation=deliberation, application=application, proposed_amount=D("900"))
    assert [row.beneficiary for row in annex_table(deliberation).rows] == sorted(names)


def test_the_annex_is_built_in_a_fixed_number_of_queries(batch, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        annex_table(batch["deliberation"])
    more = CampaignFactory(programme__funder=batch["funder"])
    for n in range(5):
        application = proposed(more, BeneficiaryFactory(), f"Action {n}", requested="1000", proposed_amount="900",
                               charges="2000")
        DeliberationLine.objects.create(deliberation=batch["deliberation"], application=application,
                                        proposed_amount=D("900"), voted_amount=D("900"))
    with django_assert_max_num_queries(8):
        assert len(annex_table(batch["deliberation"]).rows) == 8


def test_totals_that_are_not_the_sum_of_the_rows_are_refused(batch):
    annex = annex_table(batch["deliberation"])
    wrong = AnnexTotals(previous_year=annex.totals.previous_year, action_budget=annex.totals.action_budget,
                        requested=annex.totals.requested, proposed=annex.totals.proposed + D("0.01"))
    with pytest.raises(ValidationError) as refused:
        check_annex_totals(annex.rows, wrong)
    assert normalize(refused.value.messages[0]) == (
        "Les totaux de l'annexe ne correspondent pas à ses lignes (Montant proposé : lignes 46 500 €, "
        "total 46 500,01 €) : l'annexe n'est pas produite.")


def test_the_annex_xlsx_totals_are_the_sum_of_its_rows(batch):
    annex = annex_table(batch["deliberation"])
    sheet = load_workbook(io.BytesIO(annex_xlsx(annex))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Bénéficiaire"))
    body, total = rows[header + 1:-1], rows[-1]
    assert rows[header] == ("Bénéficiaire", "Action", "Montant 2026", "Budget de l'action", "Montant demandé",
                            "Montant proposé", "Convention")
    assert len(body) == 3 and total[0] == "Total"
    for column in range(2, 6):
        assert D(str(total[column])) == sum(D(str(row[column] or 0)) for row in body)
    assert D(str(total[5])) == D("46500")
    assert sorted(row[6] for row in body) == ["non", "oui", "oui"]


def test_the_annex_pdf_prints_each_row_and_totals_that_are_their_sum(batch):
    text = pdf_text(annex_pdf(annex_table(batch["deliberation"])))
    assert "Annexe à la délibération n° CS 001-27/BM du Bureau de la Métropole du 12 mars 2027" in text
    for amount in ("20 000 €", "16 500 €", "10 000 €", "60 000 €", "40 000 €", "9 000 €"):
        assert amount in text
    assert "Total 3 subventions 0 € 109 000 € 50 500 € 46 500 € 2 conventions" in text


def test_the_annex_totals_row_counts_in_french_in_the_pdf_and_the_xlsx(batch, agent):
    """« 1 convention », « 0 convention »: the XLSX printed « 1 conventions » while the PDF said « 1 convention »."""
    ConventionFactory(funder=batch["funder"], beneficiary=batch["jardins"], fiscal_year=2027,
                      amount_granted=D("15000"))  # 15 000 € + 10 000 €: the Jardins need an agreement
    deliberation_line_remove(line=line_of(batch["seniors"]), user=agent)
    application_refuse(application=batch["seniors"], reason="Hors du champ de l'appel.", user=agent)
    # The Pôle's 20 000 € alone: a letter.
    annex = annex_table(batch["deliberation"])
    assert [(row.beneficiary[:10], row.agreement_label) for row in annex.rows] == [("Les Jardin", "oui"), ("Pôle Solut", "non")]
    total = list(load_workbook(io.BytesIO(annex_xlsx(annex))).active.iter_rows(values_only=True))[-1]
    assert (total[0], total[1], total[-1]) == ("Total", "2 subventions", "1 convention")
    assert "Total 2 subventions 0 € 69 000 € 34 000 € 30 000 € 1 convention" in pdf_text(annex_pdf(annex))
    deliberation_line_remove(line=line_of(batch["gardens"]), user=agent)
    annex = annex_table(batch["deliberation"])
    total = list(load_workbook(io.BytesIO(annex_xlsx(annex))).active.iter_rows(values_only=True))[-1]
    assert (total[1], total[-1]) == ("1 subvention", "0 convention")


# --- Preparing -------------------------------------------------------------------------------------


def test_only_proposed_applications_are_added_and_each_on_one_deliberation_only(batch, agent):
    refused = ApplicationFactory(campaign=batch["campaign"], status=ApplicationStatus.REFUSED)
    other = DeliberationFactory(funder=batch["funder"])
    with pytest.raises(ValidationError, match="est refusée : seule une candidature proposée est inscrite"):
        deliberation_add_applications(deliberation=other, applications=[refused], user=agent)
    with pytest.raises(ValidationError, match="est déjà inscrite à la délibération"):
        deliberation_add_applications(deliberation=other, applications=[batch["cyber"]], user=agent)
    assert not other.lines.exists()


def test_the_proposed_applications_of_a_campaign_are_added_in_bulk(batch, agent):
    late = proposed(batch["campaign"], batch["jardins"], "Compostage partagé", requested="5000", proposed_amount="4000")
    ApplicationFactory(campaign=batch["campaign"], status=ApplicationStatus.IN_INSTRUCTION)
    lines = deliberation_add_proposed(deliberation=batch["deliberation"], campaign=batch["campaign"], user=agent)
    assert [line.application for line in lines] == [late]
    assert line_of(late).proposed_amount == line_of(late).voted_amount == D("4000")
    with pytest.raises(ValidationError, match="n'a aucune candidature proposée qui ne soit déjà inscrite"):
        deliberation_add_proposed(deliberation=batch["deliberation"], campaign=batch["campaign"], user=agent)


# --- The vote --------------------------------------------------------------------------------------


def vote(batch, agent, **kwargs):
    return deliberation_vote(deliberation=batch["deliberation"], by=agent, today=AFTER_SESSION, **kwargs)


def nothing_voted(batch):
    batch["deliberation"].refresh_from_db()
    assert batch["deliberation"].status == DeliberationStatus.DRAFT
    assert {a.status for a in type(batch["cyber"]).objects.filter(deliberation_line__isnull=False)} == {
        ApplicationStatus.PROPOSED}
    assert not Convention.objects.exists() and not Letter.objects.exists()


def test_the_vote_is_refused_while_the_number_is_a_placeholder_and_nothing_is_saved(batch, agent):
    deliberation_update(deliberation=batch["deliberation"], number="CS ....-27/BM", user=agent)
    with pytest.raises(ValidationError, match="« CS ....-27/BM » n'est qu'un numéro provisoire"):
        vote(batch, agent)
    nothing_voted(batch)


def test_the_vote_is_refused_when_a_granted_line_has_no_amount(batch, agent):
    DeliberationLine.objects.filter(application=batch["gardens"]).update(voted_amount=None)
    with pytest.raises(ValidationError, match="Sans montant soumis au vote : .*Jardins pédagogiques"):
        vote(batch, agent)
    nothing_voted(batch)


def test_a_refusal_at_the_vote_needs_its_reason(batch, agent):
    with pytest.raises(ValidationError, match="Indiquez le motif du refus"):
        vote(batch, agent, not_granted={line_of(batch["gardens"]).pk: "  "})
    nothing_voted(batch)


def test_a_deliberation_is_voted_once(batch, agent):
    vote(batch, agent)
    with pytest.raises(ValidationError, match="Cette délibération a déjà été votée .* un vote n'est enregistré "
                                              "qu'une fois"):
        vote(batch, agent)
    assert Convention.objects.count() == 2 and Letter.objects.count() == 1


def test_the_vote_draws_a_draft_agreement_prefilled_from_the_application_with_its_budget(batch, agent):
    vote(batch, agent)
    cyber = batch["cyber"]
    cyber.refresh_from_db()
    assert cyber.status == ApplicationStatus.GRANTED and cyber.granted_amount == D("20000")
    convention = cyber.convention
    assert convention.status == Status.DRAFT and convention.kind == Kind.SPECIFIC
    assert (convention.funder, convention.beneficiary, convention.fiscal_year) == (
        batch["funder"], batch["pole"], 2027)
    assert (convention.action_title, convention.objectives, convention.amount_granted) == (
        "Sensibilisation à la cybersécurité", "Former 300 dirigeants de TPE.\nPublier un guide.", D("20000"))
    assert (convention.deliberation_body, convention.deliberation_number, convention.deliberation_date) == (
        DeliberationBody.BUREAU, "CS 001-27/BM", date(2027, 3, 12))
    assert (convention.period_start, convention.period_end) == (date(2027, 1, 1), date(2027, 12, 31))
    # The references follow the funder's pattern: its prefix, the year, the programme, the association.
    assert set(Convention.objects.values_list("reference", flat=True)) == {
        "MAMP-2027-CSPV-POLESCS", "MAMP-2027-CSPV-POLESCS-2"}
    assert cyber.budget.convention == convention  # the application's forecast, now the agreement's
    assert line_of(cyber).outcome == LineOutcome.GRANTED


def test_two_subsidies_of_20000_and_16500_for_one_beneficiary_both_get_an_agreement(batch, agent):
    vote(batch, agent)
    assert set(Convention.objects.values_list("beneficiary__name", "amount_granted")) == {
        ("Pôle Solutions Communicantes Sécurisées", D("20000")),
        ("Pôle Solutions Communicantes Sécurisées", D("16500"))}
    letter = Letter.objects.get()
    assert (letter.kind, letter.application, letter.amount) == (LetterKind.NOTIFICATION, batch["gardens"], D("10000"))


def test_a_subsidy_refused_at_the_vote_brings_the_other_under_the_threshold(batch, agent):
    """Without its 16 500 €, the Pôle's 20 000 € stay under 23 000 €: a notification letter, no agreement."""
    plan = vote_plan(batch["deliberation"], not_granted=[line_of(batch["seniors"]).pk])
    assert {line.application for line in plan.notifications} == {batch["gardens"], batch["cyber"]}
    assert plan.agreements == []
    vote(batch, agent, not_granted={line_of(batch["seniors"]).pk: "Action déjà financée par la Région."})
    assert not Convention.objects.exists()
    assert set(Letter.objects.values_list("application__action_title", "kind")) == {
        ("Sensibilisation à la cybersécurité", LetterKind.NOTIFICATION),
        ("Jardins pédagogiques", LetterKind.NOTIFICATION),
        ("Ateliers numériques pour les seniors", LetterKind.REFUSAL)}
    seniors = batch["seniors"].__class__.objects.get(pk=batch["seniors"].pk)
    assert seniors.status == ApplicationStatus.NOT_GRANTED


def test_a_lower_amount_voted_counts_for_the_threshold(batch, agent):
    deliberation_line_update(line=line_of(batch["seniors"]), voted_amount="3 000", user=agent)
    vote(batch, agent)  # 20 000 € + 3 000 € = 23 000 €: not above the threshold
    assert not Convention.objects.exists()
    assert Letter.objects.get(application=batch["seniors"]).amount == D("3000")


def test_the_notification_letter_prints_the_beneficiary_the_amount_and_the_deliberation(batch, agent):
    vote(batch, agent)
    text = pdf_text(letters_pdf(letters_queryset(Letter.objects.all())))
    assert "Les Jardins partagés de l'Huveaune" in text
    assert "une subvention de 10 000 € pour l'action « Jardins pédagogiques »" in text
    assert "la délibération n° CS 001-27/BM du Bureau de la Métropole du 12 mars 2027" in text
    assert "ne dépassent pas 23 000 €" in text and "vaut notification, sans convention" in text


def test_refusals_at_the_vote_and_in_instruction_get_a_motivated_letter(batch, agent):
    refused = ApplicationFactory(campaign=batch["campaign"], beneficiary=BeneficiaryFactory(name="Théâtre du Port"),
                                 action_title="Fête des récoltes", status=ApplicationStatus.REFUSED,
                                 requested_amount=D("5000"),
                                 proposal_reason="Action ponctuelle sans lien avec les objectifs du programme.")
    vote(batch, agent, not_granted={line_of(batch["gardens"]).pk: "Le budget de l'action est inférieur à la demande."})
    letters = letters_queryset(Letter.objects.filter(kind=LetterKind.REFUSAL)).order_by("application__action_title")
    assert [letter.application for letter in letters] == [refused, batch["gardens"]]
    text = pdf_text(letters_pdf(list(letters)))
    assert "Théâtre du Port" in text and "demande de subvention de 5 000 € pour l'action « Fête des récoltes »" in text
    assert "Action ponctuelle sans lien avec les objectifs du programme." in text
    assert "n'a pas retenu votre demande de subvention de 12 000 € pour l'action « Jardins pédagogiques »" in text
    assert "Le budget de l'action est inférieur à la demande." in text
    assert "la délibération n° CS 001-27/BM du Bureau de la Métropole du 12 mars 2027" in text
    assert "Tribunal administratif de Marseille" in text


# --- After the vote: an amendment is the way --------------------------------------------------------


def test_a_voted_amount_is_locked_on_the_line_and_on_the_agreement(batch, agent):
    vote(batch, agent)
    with pytest.raises(ValidationError, match="ne peuvent plus être modifiées. Un montant voté ne change plus que "
                                              "par un avenant"):
        deliberation_line_update(line=line_of(batch["cyber"]), voted_amount="25000", user=agent)
    convention = Convention.objects.get(application=batch["cyber"])
    with pytest.raises(ValidationError, match="Ce montant a été voté par la délibération n° CS 001-27/BM : il ne "
                                              "peut plus être modifié que par un avenant"):
        convention_upsert(reference=convention.reference, amount_granted=D("25000"))
    assert Convention.objects.get(pk=convention.pk).amount_granted == D("20000")
    assert line_of(batch["cyber"]).voted_amount == D("20000")
    convention_upsert(reference=convention.reference, preamble="Le texte s'adapte encore.")  # the rest stays open


def test_the_reference_takes_the_prefix_of_the_funders_existing_agreements(batch, agent):
    ConventionFactory(funder=batch["funder"], reference="AMP-2026-ENV-JPH", fiscal_year=2026)
    vote(batch, agent)
    assert Convention.objects.get(application=batch["cyber"]).reference.startswith(
        "AMP-2027-CSPV-POLESCS")


def test_an_agreement_not_drawn_from_a_vote_keeps_its_amount_editable():
    convention = ConventionFactory(amount_granted=D("1000"))
    assert convention_upsert(reference=convention.reference, amount_granted=D("2000")).amount_granted == D("2000")


# --- Legality control ----------------------------------------------------------------------------


def test_transmission_then_receipt_in_order_once_each(batch, agent):
    deliberation = batch["deliberation"]
    with pytest.raises(ValidationError, match="seule une délibération votée et pas encore transmise"):
        deliberation_transmit(deliberation=deliberation, transmitted_on=date(2027, 3, 14), user=agent,
                              today=AFTER_SESSION)
    vote(batch, agent)
    with pytest.raises(ValidationError, match="précède le vote"):
        deliberation_transmit(deliberation=deliberation, transmitted_on=date(2027, 3, 1), user=agent,
                              today=AFTER_SESSION)
    with pytest.raises(ValidationError, match="est dans le futur"):
        deliberation_transmit(deliberation=deliberation, transmitted_on=date(2027, 4, 1), user=agent,
                              today=AFTER_SESSION)
    deliberation_transmit(deliberation=deliberation, transmitted_on=date(2027, 3, 14), user=agent, today=AFTER_SESSION)
    with pytest.raises(ValidationError, match="précède la transmission"):
        deliberation_record_receipt(deliberation=deliberation, received_on=date(2027, 3, 13), user=agent,
                                    today=AFTER_SESSION)
    deliberation_record_receipt(deliberation=deliberation, received_on=date(2027, 3, 15), user=agent,
                                today=AFTER_SESSION)
    with pytest.raises(ValidationError, match="L'accusé de réception du 15 mars 2027 est déjà enregistré"):
        deliberation_record_receipt(deliberation=deliberation, received_on=date(2027, 3, 16), user=agent,
                                    today=AFTER_SESSION)
    deliberation.refresh_from_db()
    assert (deliberation.status, deliberation.transmitted_on, deliberation.received_on) == (
        DeliberationStatus.TRANSMITTED, date(2027, 3, 14), date(2027, 3, 15))


# --- Audit -------------------------------------------------------------------------------------------


def test_the_vote_and_what_it_draws_are_audited_with_the_user_and_why(batch, agent):
    vote(batch, agent)
    record = batch["deliberation"].history.latest()
    assert record.history_user == agent
    assert record.history_change_reason == ("Vote enregistré le 12 mars 2027 : 3 subventions attribuées, "
                                            "0 non attribuées")
    assert line_of(batch["cyber"]).history.latest().history_user == agent
    convention = Convention.objects.get(application=batch["cyber"])
    created = convention.history.earliest()
    assert created.history_user == agent and "votée par la délibération n° CS 001-27/BM" in created.history_change_reason
    application = batch["cyber"].history.latest()
    assert application.history_user == agent
    assert application.history_change_reason == f"Devenue la convention {convention.reference}"
    assert Letter.objects.get().history.get().history_user == agent


def test_only_an_agent_allowed_to_vote_records_it(batch):
    finance = staff_user("finance_delib", FINANCE)
    with pytest.raises(ValidationError, match="Seul un agent habilité"):
        deliberation_vote(deliberation=batch["deliberation"], by=finance, today=AFTER_SESSION)
    nothing_voted(batch)


def test_an_agent_member_of_an_association_on_the_deliberation_cannot_record_its_vote(batch, agent):
    MembershipFactory(user=agent, beneficiary=batch["jardins"])
    with pytest.raises(ValidationError, match="Vous êtes membre de l'association « Les Jardins partagés de "
                                              "l'Huveaune »"):
        vote(batch, agent)
    nothing_voted(batch)


# --- The previous year's amount --------------------------------------------------------------------


def test_the_previous_year_is_what_the_funder_gave_agreements_and_notified_subsidies():
    funder, other_funder, beneficiary = FunderFactory(), FunderFactory(siret="21130055300016", name="Région"), \
        BeneficiaryFactory()
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("12000"),
                      status=Status.ACTIVE)
    ConventionFactory(funder=other_funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("50000"),
                      status=Status.ACTIVE)
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2025, amount_granted=D("7000"),
                      status=Status.ACTIVE)
    last_year = CampaignFactory(programme__funder=funder, year=2026)
    ApplicationFactory(campaign=last_year, beneficiary=beneficiary, status=ApplicationStatus.GRANTED,
                       granted_amount=D("3000"))
    ApplicationFactory(campaign=last_year, beneficiary=beneficiary, status=ApplicationStatus.PROPOSED,
                       proposed_amount=D("9999"))  # proposed is not given
    assert previous_year_amounts(funder=funder, beneficiary_ids={beneficiary.pk}, year=2027) == {
        beneficiary.pk: D("15000")}


def test_the_previous_year_counts_only_what_was_voted_never_a_draft_agreement():
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    for status in (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.REFUSED, Status.CANCELLED):
        ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("11111"),
                          status=status)  # not voted: not given
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("8000"),
                      status=Status.VOTED)
    # An agreement drawn in draft from an application a deliberation granted: its amount was voted.
    drawn = ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("5000"))
    ApplicationFactory(campaign=CampaignFactory(programme__funder=funder, year=2026), beneficiary=beneficiary,
                       status=ApplicationStatus.GRANTED, granted_amount=D("5000"), convention=drawn)
    cancelled = ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026,
                                  amount_granted=D("6000"), status=Status.CANCELLED)  # drawn, then cancelled
    ApplicationFactory(campaign=CampaignFactory(programme__funder=funder, year=2026), beneficiary=beneficiary,
                       status=ApplicationStatus.GRANTED, granted_amount=D("6000"), convention=cancelled)
    # A multi-year agreement: its 2026 year counts once voted, its 2027 year (not voted) never in 2027.
    multiyear = ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2025, is_multiannual=True,
                                  period_start=date(2025, 1, 1), period_end=date(2027, 12, 31),
                                  amount_granted=D("90000"), status=Status.ACTIVE)
    Tranche.objects.create(convention=multiyear, year=2025, amount=D("30000"), voted_at=timezone.now())
    Tranche.objects.create(convention=multiyear, year=2026, amount=D("30000"), voted_at=timezone.now())
    Tranche.objects.create(convention=multiyear, year=2027, amount=D("30000"))
    assert previous_year_amounts(funder=funder, beneficiary_ids={beneficiary.pk}, year=2027) == {
        beneficiary.pk: D("43000")}  # 8 000 + 5 000 + 30 000
    assert previous_year_amounts(funder=funder, beneficiary_ids={beneficiary.pk}, year=2028) == {
        beneficiary.pk: D("0")}


# --- The demo ----------------------------------------------------------------------------------------


def test_the_demo_deliberation_votes_eight_subsidies_and_draws_what_they_need(demo):
    deliberation = Deliberation.objects.get(status=DeliberationStatus.TRANSMITTED)
    annex = annex_table(deliberation)
    assert len(annex.rows) == 8 and deliberation.status == DeliberationStatus.TRANSMITTED
    assert any(row.requested_above_budget for row in annex.rows)  # the video workshop asks more than its budget
    pole = Convention.objects.filter(beneficiary__acronym="Pôle SCS", fiscal_year=2027)
    assert sorted(pole.values_list("amount_granted", flat=True)) == [D("16500"), D("20000")]
    # one at the vote, one refused in instruction by this demo, one by the campaigns demo
    assert Letter.objects.filter(kind=LetterKind.REFUSAL).count() == 3
    assert annex.totals.proposed == sum(row.proposed for row in annex.rows)


def test_the_demo_has_a_deliberation_in_preparation_holding_the_proposed_application_and_one_renewal(demo):
    draft = Deliberation.objects.get(status=DeliberationStatus.DRAFT)
    assert (draft.number, draft.get_body_display()) == ("2027/....", "Conseil")
    assert [line.application.action_title for line in draft.lines.all()] == [
        "Sensibilisation des petites entreprises à la cybersécurité"]
    with pytest.raises(ValidationError, match="n'est qu'un numéro provisoire"):
        deliberation_vote(deliberation=draft, by=staff_user("agent_demo", AGENT), today=draft.session_date)
    renewal = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    assert (renewal.renewed_from.reference, renewal.status) == ("AMP-2025-ENV-JPH", Status.DRAFT)
