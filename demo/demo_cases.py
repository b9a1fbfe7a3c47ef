"""Demo agreements of our own invention for the cases real agreements raise (issue 15).

Each case is one small function: a specific grant « dans la limite de » with a share stated over
an eligible base and no budget annex; a draft under a placeholder deliberation (« 2027/.... »)
whose co-funders' amounts are not known yet; an agreement voted in 2019, before the republican
commitment contract existed, which cites the financial rules and the accounting regulation in
force then. Every association, name and figure here is fictional.
"""

from datetime import date
from decimal import Decimal as D

from beneficiaries.models import Civility
from beneficiaries.services import beneficiary_upsert
from budgets.models import BudgetKind, BudgetScope, BudgetStatus, FundingStatus
from budgets.services import LineInput, budget_get_or_create, budget_replace_lines
from conventions.clauses.services import financial_rules_version_upsert
from conventions.models import DeliberationBody, Kind, Status
from conventions.services import convention_load_history, convention_upsert
from finance.models import PaymentKind, PaymentRequest, PaymentStatus

SPECIFIC_GRANT_REFERENCE = "AMP-2026-CULT-VDQ"
PLACEHOLDER_DELIBERATION_REFERENCE = "AMP-2027-ECO-RRP"
BEFORE_2022_REFERENCE = "AMP-2019-SOC-AFN"

#: The Métropole's rules before those of 31 July 2020 (fictional deliberation), cited by what was voted then.
FINANCIAL_RULES_2016 = ("Règlement budgétaire et financier approuvé par la délibération n° FAG 011-1736/16/CM "
                        "du 17 mars 2016")

VOTED = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED]


def load_issue_15_cases(funder, users) -> None:
    """Load the three agreements (idempotent: each is upserted by its reference)."""
    load_specific_grant_with_maximum(funder, users)
    load_placeholder_deliberation_with_unknown_cofunders(funder, users)
    load_agreement_voted_before_2022(funder, users)


def load_specific_grant_with_maximum(funder, users):
    """A festival funded « dans la limite de 15 000 € », 31,25 % of a 48 000 € eligible base, no budget attached."""
    beneficiary = beneficiary_upsert(
        siret="88012345600019", name="Voix de quartier", legal_form="Association loi 1901", rna="W133067890",
        address="3, rue du Refuge", postal_code="13002", city="Marseille", email="contact@voix-de-quartier.invalid",
        representative_civility=Civility.MRS, representative_title="Présidente", representative_name="Inès BOURGUIBA",
    )
    convention = convention_upsert(
        reference=SPECIFIC_GRANT_REFERENCE, kind=Kind.SPECIFIC, funder=funder, beneficiary=beneficiary,
        fiscal_year=2026, period_start=date(2026, 5, 1), period_end=date(2026, 10, 31),
        title="Festival « Voix de quartier » 2026", action_title="Festival « Voix de quartier », 6e édition",
        document_title="Convention attributive de subvention spécifique", document_number="GU-2026-00412",
        preamble="Depuis 2021, l'association Voix de quartier réunit chaque automne les chorales amateurs des "
                 "quartiers du centre de Marseille. Pour sa sixième édition, elle ouvre le festival aux écoles.\n\n"
                 "La Métropole soutient cette action au titre de sa politique culturelle de proximité, par une "
                 "subvention spécifique plafonnée, versée a posteriori au vu des dépenses réelles de l'action.",
        objectives="Faire chanter ensemble les habitants du Panier et de la Belle de Mai\n"
                   "Offrir une scène aux chorales amateurs du territoire",
        action_programme="Chorales en résidence\nDe mai à septembre, quatre chorales répètent chaque semaine "
                         "dans les écoles du quartier, avec un chef de chœur professionnel.\n\n"
                         "Le festival\nTrois jours de concerts gratuits en plein air, en octobre, place de Lenche.",
        deliberation_body=DeliberationBody.BUREAU, deliberation_number="CULT 022-1450/26/BM",
        deliberation_date=date(2026, 4, 16),
        amount_granted=D("15000"), amount_is_maximum=True, eligible_base=D("48000"), stated_share_percent=D("31.25"),
        advance_cap_percent=D("50"),
        funder_signatory="Pascal MARTINI", funder_signatory_title="Le Vice-Président délégué à la culture",
        funder_signatory_delegation="arrêté n° 26/112/CM du 5 janvier 2026",
    )
    convention_load_history(convention=convention, path=VOTED, by=users["agent"])
    return convention


def load_placeholder_deliberation_with_unknown_cofunders(funder, users):
    """A 2027 draft: the Conseil's deliberation is not numbered yet, the Région's and the Département's amounts unknown."""
    beneficiary = beneficiary_upsert(
        siret="79234567800017", name="Réseau des ressourceries de Provence", acronym="RRP",
        legal_form="Association loi 1901", rna="W131076543", address="", postal_code="13400", city="Aubagne",
        email="coordination@ressourceries-provence.invalid", representative_civility=Civility.MR,
        representative_title="Président", representative_name="Thomas GIRAUD",
    )
    convention = convention_upsert(
        reference=PLACEHOLDER_DELIBERATION_REFERENCE, kind=Kind.OPERATING, funder=funder, beneficiary=beneficiary,
        fiscal_year=2027, period_start=date(2027, 1, 1), period_end=date(2027, 12, 31),
        title="Réemploi et réparation des objets du quotidien dans l'est du territoire",
        preamble="Le Réseau des ressourceries de Provence fédère sept ressourceries de l'est du territoire "
                 "métropolitain, qui collectent, réparent et revendent des objets du quotidien en employant des "
                 "salariés en insertion.",
        objectives="Collecter et remettre en circulation 400 tonnes d'objets\nFormer vingt salariés en insertion "
                   "aux métiers de la réparation",
        deliberation_body=DeliberationBody.COUNCIL, deliberation_number="2027/....", deliberation_year=2027,
        deliberation_month=3, amount_granted=D("28000"),
    )
    budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST, scope=BudgetScope.GLOBAL)
    budget.status = BudgetStatus.DRAFT
    budget.save()
    budget_replace_lines(budget=budget, lines=[
        LineInput("604", D("21000")), LineInput("613", D("18000")), LineInput("641", D("96000")),
        LineInput("645", D("29000")),
        LineInput("70", D("52000"), "Ventes en boutique"),
        LineInput("744", D("28000"), funder.name, FundingStatus.REQUESTED, is_granting_funder=True),
        LineInput("742", None, "Région Sud", FundingStatus.REQUESTED),  # asked, amount not known yet
        LineInput("743", None, "Département des Bouches-du-Rhône", FundingStatus.REQUESTED),
        LineInput("745", D("40000"), "Commune d'Aubagne", FundingStatus.OBTAINED),
    ])
    convention_load_history(convention=convention, path=[Status.DRAFT], by=users["agent"])
    return convention


def load_agreement_voted_before_2022(funder, users):
    """An agreement voted in March 2019 and closed: 2016 rules, CRC 99-01, no republican commitment contract."""
    financial_rules_version_upsert(funder=funder, reference=FINANCIAL_RULES_2016, valid_from=date(2016, 3, 17),
                                   valid_until=date(2020, 7, 30))
    beneficiary = beneficiary_upsert(
        siret="44123456700010", name="Accueil des familles du Nord", acronym="AFN", legal_form="Association loi 1901",
        rna="W133023456", address="15, boulevard Gay-Lussac", postal_code="13014", city="Marseille",
        email="accueil@afn-marseille.invalid", representative_civility=Civility.MRS,
        representative_title="Présidente", representative_name="Yasmina KHELIFI",
    )
    convention = convention_upsert(
        reference=BEFORE_2022_REFERENCE, kind=Kind.OPERATING, funder=funder, beneficiary=beneficiary,
        fiscal_year=2019, period_start=date(2019, 1, 1), period_end=date(2019, 12, 31),
        title="Accueil et accompagnement des familles des 13e et 14e arrondissements",
        preamble="L'association Accueil des familles du Nord tient depuis 2009 un lieu d'accueil ouvert aux parents "
                 "des 13e et 14e arrondissements de Marseille.",
        objectives="Accueillir les familles et les orienter vers leurs droits\nAnimer un lieu de parole pour les parents",
        non_financial_contributions="Locaux mis à disposition par la Ville de Marseille (valorisés à 9 000 €).",
        deliberation_body=DeliberationBody.BUREAU, deliberation_number="SOC 004-5521/19/BM",
        deliberation_date=date(2019, 3, 28), amount_granted=D("24000"),
        beneficiary_signatory="Yasmina KHELIFI", beneficiary_signed_on=date(2019, 4, 15),
        funder_signatory=funder.representative_name, funder_signed_on=date(2019, 4, 23),
        notified_on=date(2019, 4, 29),
    )
    budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST)
    if not convention.is_signed:  # a signed agreement's forecast is frozen: set it before the history
        budget.status = BudgetStatus.VALIDATED
        budget.save()
        budget_replace_lines(budget=budget, lines=[
            LineInput("606", D("6500")), LineInput("613", D("7500")), LineInput("641", D("52000")),
            LineInput("645", D("16000")),
            LineInput("744", D("24000"), funder.name, FundingStatus.OBTAINED, is_granting_funder=True),
            LineInput("745", D("30000"), "Ville de Marseille", FundingStatus.OBTAINED),
            LineInput("746", D("18000"), "Caisse d'allocations familiales", FundingStatus.OBTAINED),
            LineInput("756", D("10000"), "Cotisations"),
        ])
    convention_load_history(convention=convention, path=[*VOTED, Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION,
                                                         Status.CLOSED], by=users["agent"])
    # Closed: its advance (80 %) and its balance were paid, as recorded then (taken over, not requested here).
    for kind, amount, paid_on, order_number in ((PaymentKind.ADVANCE, D("19200"), date(2019, 5, 14), "M-2019-003310"),
                                                (PaymentKind.BALANCE, D("4800"), date(2020, 9, 15), "M-2020-007742")):
        PaymentRequest.objects.update_or_create(convention=convention, kind=kind, defaults=dict(
            amount=amount, status=PaymentStatus.PAID, certified_by_name=beneficiary.representative_name,
            certified_by_quality=beneficiary.representative_title, certified_on=paid_on.replace(day=1),
            commitment_number=f"EJ-2019-{convention.pk:05d}", budget_imputation="65748 - 90",
            payment_order_number=order_number, paid_on=paid_on,
        ))
    return convention
