"""Demo data: the 2023 agreement Métropole Aix-Marseille-Provence ↔ Pôle SCS, and a few others.

Facts and figures come from the seed document (``shared/seed``); every sentence is our own.
Annex I is entered exactly as printed, so the application shows the seed's imbalance.
Identifiers that the seed does not print (the association's SIRET, RNA, IBAN) are fictional
but valid; the fictional associations are invented from start to end.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from beneficiaries.models import Civility, MemberRole
from beneficiaries.services import beneficiary_upsert, membership_grant, user_upsert
from budgets.models import BudgetKind, BudgetStatus, FundingStatus
from budgets.services import LineInput, budget_get_or_create, budget_replace_lines
from conventions.clauses.services import (
    clause_template_install,
    convention_clause_update,
    convention_clauses_prepare,
    financial_rules_version_upsert,
)
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Amendment, Convention, DeliberationBody, Kind, Status
from conventions.services import (
    convention_assign_agent,
    convention_load_history,
    convention_tranches_save,
    convention_upsert,
    funder_upsert,
    tranche_vote,
)
from conventions.tranches import tranches_total
from core.money import percent_of
from core.roles import ADMINISTRATOR, AGENT, FINANCE, sync_role_groups
from demo.demo_campaigns import load_campaigns_demo
from demo.demo_cases import load_issue_15_cases
from demo.demo_deliberations import load_deliberations_demo, load_draft_deliberation_demo
from demo.demo_portal import load_portal_demo, load_vault_demo
from documents.models import Document, DocumentKind, DocumentStatus
from documents.services import documents_expect
from documents.vault import vault_cover
from dossier.renewal import convention_renew
from finance.models import PaymentKind, PaymentRequest, PaymentStatus
from finance.services import recovery_issue_for_termination
from indicators.models import ReportStatus, ValueType
from indicators.rules import Figures
from indicators.services import (
    DefinitionInput,
    indicator_report_open,
    indicator_report_record,
    indicator_report_return,
    indicator_report_save,
    indicator_report_submit,
    indicator_report_validate,
    indicator_reports_open,
    indicator_set_upsert,
)

DEMO_PASSWORD = "demo"  # noqa: S105 - printed by ``make run``; seed_demo refuses to run without DEBUG.
SEED_REFERENCE = "AMP-2023-DEVECO-SCS"

PREAMBLE = """\
Le 7 décembre 2022, la Commission européenne a désigné la Métropole Aix-Marseille-Provence lauréate du prix iCapital : pour l'année 2023, le territoire porte le titre de Capitale européenne de l'innovation.

La candidature de la Métropole, intitulée « Innovative diversity », a réuni les acteurs de l'innovation du territoire et fait de la diversité géographique, sociale et économique de celui-ci le moteur de sa dynamique d'innovation.

Cette distinction conduit la Métropole à soutenir en 2023 les projets et les actions qui accélèrent les transitions économique, sociale et environnementale au bénéfice des habitants : technologies pour le climat, santé et biotechnologies, savoirs, jeunesse et création d'entreprises.

La présente convention s'inscrit dans la politique de subventions que la Métropole conduit en faveur des associations actives dans l'innovation et le développement économique."""

OBJECTIVES = """\
Faire connaître en France, en Europe et dans le monde les solutions communicantes sécurisées de ses membres et leur action collective en tant que pôle
Rapprocher, au sein d'une même instance, industriels, organismes de recherche et d'enseignement supérieur et collectivités
Accompagner et labelliser les projets conduits sous son égide, et aider à leur montage technique et financier
Concevoir des outils et des services qui soutiennent la croissance et la compétitivité de ses membres, en particulier des TPE, PME et ETI
Animer et coordonner l'action de ses membres
Suivre, avec ses commissions financière et scientifique, la mise en œuvre et le financement des projets labellisés"""

PROGRAMME_SUMMARY = """\
Informer sur les dispositifs France 2030 et PIA4 et accompagner les acteurs métropolitains qui y candidatent
Coordonner et animer la filière microélectronique
Coordonner et animer la filière de l'internet des objets (IoT)
Lancer le pôle européen d'innovation numérique (eDIH) Move2Digital avec Aix-Marseille Université et les pôles du territoire, et installer l'IoT Center à Gardanne
Soutenir les startups, PME et entreprises du territoire
Aider les membres face à leurs difficultés de recrutement
Accompagner la transition écologique des entreprises du numérique"""

ACTION_PROGRAMME = """\
Gouvernance et animation 2023 du pôle de compétitivité « Solutions Communicantes Sécurisées »

Positionnement
Le pôle a déposé sa candidature à la phase V des pôles de compétitivité ; il poursuit la stratégie de la phase IV en y intégrant l'urgence climatique. Sa mission : compter parmi les premiers écosystèmes européens de ses quatre domaines d'excellence — microélectronique, cybersécurité et sécurité numérique, internet des objets, intelligence artificielle et données — au service d'une transition numérique durable. Quatre marchés sont visés en priorité : l'industrie, la ville intelligente, la santé et le bien-être, la mobilité intelligente.

I. Gouvernance et missions confiées par les pouvoirs publics
Mise à jour des feuilles de route par domaine et présentation à l'assemblée générale ; participation aux stratégies nationales d'accélération (IA, cybersécurité, électronique), à la stratégie régionale en IA, aux comités stratégiques de filière et aux travaux de l'association française des pôles de compétitivité ; labellisation de projets de R&D ; suivi semestriel des indicateurs des projets.

II. Animation de l'innovation et de son financement
Groupes de travail par domaine, réunions marchés, rencontres entre laboratoires et entreprises, accompagnement au montage de projets régionaux, nationaux et européens, actions collectives « Security by Design » et « Flash IA » pour les startups et PME.

III. Développement du réseau et animation des membres
Événements d'information, rencontres entre PME et grands groupes, accompagnement aux levées de fonds et au financement, promotion de l'offre industrie du futur, valorisation des produits des PME, appui commercial et ateliers sur la transition écologique.

IV. International et Europe
Partenariats avec une quarantaine de clusters européens, présence sur les salons internationaux (MWC, Hannover Messe, SIdO, IoT Solutions World Congress, Cloud & Cyber Expo), missions en Allemagne, en Espagne et en Pologne, démarrage de l'eDIH Move2Digital et réponse à une dizaine d'appels à projets européens.

V. Emploi et formation
Webinaires de sensibilisation (au moins deux par mois), formations aux sujets de gestion pour les PME, accompagnement du campus de formation en microélectronique, diagnostic des besoins de recrutement et service d'aide au recrutement des TPE et PME."""

# Article 7 of the seed names a second logo (the iCapital label): an adjustment of this agreement only.
SEED_ARTICLE_7 = """\
Sur tous les supports de communication consacrés aux actions soutenues, {{ beneficiary }} s'engage à faire figurer :
- le logo de {{ funder }}, dans le respect de sa charte graphique, avec la mention de son soutien financier ;
- le logo du label « Capitale européenne de l'innovation – iCapital 2023 », selon la charte graphique qui lui est communiquée, en valorisant le soutien de {{ funder }}.

{{ funder|capfirst }} peut demander la preuve que ces logos figurent bien sur ces supports (une photographie, par exemple).

{{ beneficiary|capfirst }} fait également état de ce partenariat lors de ses conférences de presse, entretiens et autres prises de parole publiques, et y associe les représentants de {{ funder }} lorsque ces actions sont publiques.

Si ces obligations ne sont pas respectées, {{ funder }} peut exiger le reversement de la subvention."""

NON_FINANCIAL = """\
Bénévolat des membres, valorisé à 190 000 €.
Locaux mis gratuitement à disposition par la commune, valorisés à 20 000 €."""

# Annex I as printed in the seed, mapped onto the Cerfa 12156*06 chart (labels as printed).
SEED_FORECAST_LINES = [
    LineInput("606", D("1474"), "Autres achats"),
    LineInput("613", D("31055"), "Locations mobilières et immobilières"),
    LineInput("615", D("15199"), "Entretien et réparations"),
    LineInput("616", D("2211"), "Frais d'assurances"),
    LineInput("622", D("85110"), "Rémunérations d'intermédiaires et honoraires"),
    LineInput("623", D("34454"), "Publicité, information et publications"),
    LineInput("625", D("62557"), "Déplacements, relations et réception"),
    LineInput("627", D("5863"), "Frais postaux et de télécommunications"),
    LineInput("627", D("8040"), "Autres travaux extérieurs"),
    LineInput("631", D("18316"), "Impôts et taxes sur rémunérations"),
    LineInput("635", D("918"), "Autres impôts et taxes"),
    LineInput("641", D("485124"), "Rémunérations du personnel"),
    LineInput("645", D("200699"), "Charges sociales"),
    LineInput("647", D("593"), "Autres charges de personnel"),
    LineInput("68", D("2510"), "Dotations aux amortissements et provisions"),
    LineInput("864", D("210000"), "Personnel bénévole"),
    LineInput("741", D("40000"), "DGA", FundingStatus.REQUESTED),
    LineInput("742", D("368993"), "Région Sud (dont transfert État-Région : 161 609 €)", FundingStatus.REQUESTED),
    LineInput("744", D("66000"), "Métropole Aix-Marseille-Provence", FundingStatus.REQUESTED, is_granting_funder=True),
    LineInput("745", D("25000"), "CASA", FundingStatus.REQUESTED),
    LineInput("745", D("20000"), "PM", FundingStatus.REQUESTED),
    LineInput("756", D("433337"), "Cotisations, dons manuels ou legs"),
    LineInput("870", D("190000"), "Bénévoles"),
    LineInput("871", D("20000"), "Mise à disposition de locaux par la commune"),
]

ANNEX_V_INTRODUCTION = """\
Ces indicateurs mesurent la contribution des structures d'appui à l'innovation. L'association les renseigne chaque année et les joint à sa demande de solde, avec son rapport d'activité. Dans le cadre de sa politique d'égalité entre les femmes et les hommes, la Métropole demande que les données sur les personnes soient ventilées par sexe."""

ANNEX_V_DEFINITIONS = [
    DefinitionInput(
        "adherents", "Nombre total d'adhérents sur la Métropole", unit="adhérents",
        of_which=[("entreprises", "dont entreprises"), ("enseignement", "dont établissements d'enseignement supérieur et laboratoires"), ("autres", "dont autres")],
    ),
    DefinitionInput(
        "effectif", "Entreprises adhérentes par effectif salarié", unit="entreprises",
        bands=[("lt10", "moins de 10 salariés"), ("11-50", "de 11 à 50 salariés"), ("51-100", "de 51 à 100 salariés"),
               ("101-500", "de 101 à 500 salariés"), ("gt500", "plus de 500 salariés")],
    ),
    DefinitionInput("nouveaux", "Nouveaux adhérents sur l'année", unit="adhérents", of_which=[("metropole", "dont métropolitains")]),
    DefinitionInput("effectifs_cumules", "Effectifs cumulés des entreprises adhérentes sur la Métropole", unit="salariés", split_by_sex=True),
    DefinitionInput(
        "projets_rd", "Projets de R&D labellisés sur l'année avec au moins un acteur métropolitain", unit="projets",
        of_which=[("pspc", "dont PSPC"), ("europe", "dont programmes européens"), ("autres", "dont autres dispositifs")],
    ),
    DefinitionInput("emplois", "Emplois créés par les projets labellisés sur le territoire", unit="emplois", split_by_sex=True),
]

COMMON_SET_NAME = "Indicateurs communs aux associations"
COMMON_DEFINITIONS = [
    DefinitionInput(
        "personnes", "Personnes accueillies ou accompagnées", unit="personnes", split_by_sex=True,
        help_text="Chaque personne n'est comptée qu'une fois dans l'année, quel que soit le nombre de ses venues.",
        bands=[("moins18", "moins de 18 ans"), ("18-25", "de 18 à 25 ans"), ("26-64", "de 26 à 64 ans"),
               ("65plus", "65 ans et plus")],
        of_which=[("metropole", "dont habitants de la Métropole"), ("qpv", "dont habitants des quartiers prioritaires")],
    ),
    DefinitionInput("benevoles", "Bénévoles actifs", unit="bénévoles", split_by_sex=True),
    DefinitionInput("salaries", "Salariés au 31 décembre", unit="salariés", split_by_sex=True),
    DefinitionInput("actions", "Actions, ateliers ou séances réalisés", unit="actions"),
    DefinitionInput("valorisation_benevolat", "Valorisation du bénévolat", value_type=ValueType.AMOUNT, unit="€",
                    help_text="Heures de bénévolat multipliées par le taux horaire retenu dans le budget (compte 864)."),
    DefinitionInput("satisfaction", "Part des participants satisfaits", value_type=ValueType.PERCENTAGE, unit="%",
                    is_required=False, help_text="Selon votre questionnaire de fin d'activité, si vous en avez un."),
    DefinitionInput("faits_marquants", "Faits marquants de l'année", value_type=ValueType.TEXT, is_required=False),
]


def _figures(**values) -> dict[str, Figures]:
    """Return demo figures: ``code=total`` or ``code=(total, women, men, not_stated)``, or text."""
    result = {}
    for code, value in values.items():
        code = code.replace("__", ".").replace("_to_", "-")
        if isinstance(value, tuple):
            result[code] = Figures(*(D(v) for v in value))
        elif isinstance(value, str) and not value.replace(".", "").isdigit():
            result[code] = Figures(text=value)
        else:
            result[code] = Figures(total=D(value))
    return result


#: Indicator reports of the fictional agreements: a draft in progress, one validated after a correction.
DEMO_INDICATORS = {
    "AMP-2025-ENV-JPH": {"draft": _figures(personnes=("420", "236", "180", "4"), benevoles=("31", "19", "12", "0"),
                                           actions="96")},
    "AMP-2024-ESS-MES": {
        "first": _figures(
            personnes=("180", "98", "82", "0"), personnes__moins18="0", personnes__18_to_25="62",
            personnes__26_to_64="110", personnes__65plus="8", personnes__metropole="171", personnes__qpv="58",
            benevoles=("14", "8", "6", "0"), salaries=("5", "3", "2", "0"), actions="210",
            valorisation_benevolat="18500", satisfaction="87.5",
            faits_marquants="Ouverture d'une permanence à Vitrolles ; 23 entreprises créées par les porteurs accompagnés."),
        "return": "Le total des personnes accompagnées (180) ne correspond pas à votre rapport d'activité (176) : "
                  "merci de vérifier la ventilation femmes / hommes.",
        "second": _figures(
            personnes=("176", "96", "80", "0"), personnes__moins18="0", personnes__18_to_25="60",
            personnes__26_to_64="108", personnes__65plus="8", personnes__metropole="168", personnes__qpv="58",
            benevoles=("14", "8", "6", "0"), salaries=("5", "3", "2", "0"), actions="210",
            valorisation_benevolat="18500", satisfaction="87.5",
            faits_marquants="Ouverture d'une permanence à Vitrolles ; 23 entreprises créées par les porteurs accompagnés."),
    },
}

ANNEX_IV_DEFINITIONS = [
    DefinitionInput("adherents", "Nombre d'adhérents", unit="adhérents"),
    DefinitionInput("ca_cumule", "Chiffre d'affaires cumulé", value_type=ValueType.AMOUNT, unit="€"),
    DefinitionInput("effectifs_cumules", "Effectifs cumulés", unit="salariés"),
    DefinitionInput("projets_accompagnes", "Projets innovants accompagnés ou labellisés", unit="projets"),
    DefinitionInput("projets_finances", "Projets innovants financés", unit="projets"),
    DefinitionInput("depenses_rd", "Dépenses de R&D des projets financés", value_type=ValueType.AMOUNT, unit="€"),
    DefinitionInput("aides", "Aides reçues par les projets financés", value_type=ValueType.AMOUNT, unit="€"),
    DefinitionInput("evenements", "Animations et événements sur le territoire (numérique compris)", unit="événements"),
    DefinitionInput("pme_salons", "PME accompagnées sur des salons", unit="PME"),
    DefinitionInput("pme_individuel", "PME accompagnées individuellement", unit="PME"),
    DefinitionInput("fonds_leves", "Fonds levés par les startups et PME membres", value_type=ValueType.AMOUNT, unit="€"),
]

ANNEX_IV_VALUES = {
    "adherents": "200", "ca_cumule": "7000000", "effectifs_cumules": "110000", "projets_accompagnes": "91",
    "projets_finances": "27", "depenses_rd": "81000000", "aides": "23000000", "evenements": "151",
    "pme_salons": "117", "pme_individuel": "615", "fonds_leves": "30000000",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", ADMINISTRATOR, "administrateur (tous les droits)"),
    DemoAccount("agent", AGENT, "agent instructeur de la Métropole"),
    DemoAccount("finance", FINANCE, "service des finances"),
    DemoAccount("scs", "member", "membre de l'association Pôle SCS (portail)"),
    DemoAccount("asso2", "member", "membre des Jardins partagés de l'Huveaune (portail)"),
]


def _balanced_lines(total_charges: D, granted: D, funder_label: str, others: list[tuple[str, str, D]]) -> list[LineInput]:
    """Return a small balanced budget whose produits include the granting funder's line."""
    staff = (total_charges * D("0.55")).quantize(D("1"))
    social = (total_charges * D("0.20")).quantize(D("1"))
    rent = (total_charges * D("0.10")).quantize(D("1"))
    supplies = total_charges - staff - social - rent
    produce = [LineInput("744", granted, funder_label, FundingStatus.OBTAINED, is_granting_funder=True)]
    produce += [LineInput(code, amount, label, FundingStatus.OBTAINED if code.startswith("74") else "") for code, label, amount in others]
    own = total_charges - sum((line.amount for line in produce), D("0"))
    return [
        LineInput("606", supplies), LineInput("613", rent), LineInput("641", staff), LineInput("645", social),
        *produce, LineInput("756", own),
        LineInput("864", D("12000")), LineInput("870", D("12000")),
    ]


FICTIONAL = [
    {
        "beneficiary": dict(
            siret="77512345600011", name="Les Jardins partagés de l'Huveaune", acronym="JPH", rna="W133012345",
            address="12, chemin de la Gravière", postal_code="13011", city="Marseille",
            email="contact@jardins-huveaune.invalid", representative_civility=Civility.MRS,
            representative_title="Présidente", representative_name="Claire MOREAU",
            iban="FR7810278089000002045670152", bic="CMCIFR2A", bank_name="Crédit Mutuel Marseille",
        ),
        "member": ("asso2", "Nadia", "BENALI", MemberRole.TREASURER),
        "vault": True,  # its statutes and bank details, given once (demo.demo_portal.VAULT_DEMO)
        "conventions": [
            dict(reference="AMP-2025-ENV-JPH", fiscal_year=2025, amount=D("30000"), charges=D("96000"),
                 title="Animation de jardins partagés et ateliers d'éducation à l'environnement",
                 path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED, Status.ACTIVE],
                 deliberation=("ENV 012-1204/25/BM", date(2025, 3, 20)), signed=(date(2025, 4, 2), date(2025, 4, 10)),
                 legality=(date(2025, 4, 11), date(2025, 4, 11)),
                 notified=date(2025, 4, 14), advance_paid=(date(2025, 5, 6), "M-2025-004512")),
            # The renewal of the 2025 agreement (« Renouveler pour l'année suivante », dossier.renewal),
            # linked to it; the association then updated the budget copied from 2025.
            dict(reference="AMP-2026-ENV-JPH", fiscal_year=2026, amount=D("32000"), charges=D("101000"),
                 title="Jardins partagés et éducation à l'environnement, saison 2026",
                 path=[Status.DRAFT], renews="AMP-2025-ENV-JPH"),
        ],
    },
    {
        "beneficiary": dict(
            siret="81234567800013", name="Provence Images en mouvement", acronym="PIM", rna="W131045678",
            address="4, rue des Cordeliers", postal_code="13100", city="Aix-en-Provence",
            email="bureau@provence-images.invalid", representative_civility=Civility.MR,
            representative_title="Président", representative_name="Julien ROCHE",
            iban="FR1430003012340005123456789", bic="SOGEFRPP", bank_name="Société Générale Aix",
        ),
        "conventions": [
            dict(reference="AMP-2026-CULT-PIM", fiscal_year=2026, amount=D("45000"), charges=D("180000"),
                 title="Cinéma itinérant dans les communes de moins de 5 000 habitants",
                 path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED],
                 deliberation=("CULT 004-0311/26/CM", date(2026, 2, 12)), signed=(date(2026, 3, 2), date(2026, 3, 9)),
                 amendment=("Report de la fin de la tournée au 31 mars 2027", date(2027, 3, 31),
                            "La période d'exécution est prolongée jusqu'au 31 mars 2027 afin de reporter six projections "
                            "annulées pour intempéries. Le montant de la subvention est inchangé.")),
        ],
    },
    {
        "beneficiary": dict(
            siret="30123456700016", name="Les Tréteaux du Vieux-Port", acronym="", rna="W133054321",
            address="8, quai de Rive-Neuve", postal_code="13007", city="Marseille",
            email="administration@treteaux.invalid", representative_civility=Civility.MRS,
            representative_title="Présidente", representative_name="Léa FONTAINE",
            iban="FR1016607000010812345678912", bic="CCBPFRPP", bank_name="Banque Populaire Méditerranée",
        ),
        "conventions": [
            dict(reference="AMP-2025-CULT-TVP", fiscal_year=2025, amount=D("18000"), charges=D("64000"),
                 title="Ateliers de théâtre pour les collégiens des quartiers nord",
                 path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED, Status.ACTIVE,
                       Status.TERMINATED],
                 deliberation=("CULT 017-0988/25/BM", date(2025, 2, 27)), signed=(date(2025, 3, 10), date(2025, 3, 14)),
                 notified=date(2025, 3, 17), advance_paid=(date(2025, 4, 8), "M-2025-002961"),
                 terminated=(date(2025, 10, 1), "Dissolution de l'association en septembre 2025.")),
        ],
    },
    {
        "beneficiary": dict(
            siret="43219876500013", name="Maison de l'entrepreneuriat solidaire", acronym="MES", rna="W131098765",
            address="27, avenue du Prado", postal_code="13008", city="Marseille",
            email="direction@mes-provence.invalid", representative_civility=Civility.MR,
            representative_title="Président", representative_name="Karim HADDAD",
            iban="FR7812548029980000123456741", bic="AXABFRPP", bank_name="Axa Banque",
        ),
        "conventions": [
            dict(reference="AMP-2024-ESS-MES", fiscal_year=2024, amount=D("25000"), charges=D("140000"),
                 title="Accompagnement de porteurs de projets de l'économie sociale et solidaire",
                 path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED,
                       Status.ACTIVE, Status.JUSTIFICATION, Status.CLOSED],
                 deliberation=("ECO 021-0502/24/BM", date(2024, 2, 15)), signed=(date(2024, 3, 1), date(2024, 3, 8)),
                 notified=date(2024, 3, 11), advance_paid=(date(2024, 4, 2), "M-2024-001877"),
                 balance_paid=(date(2025, 7, 15), "M-2025-006230")),
        ],
    },
]


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Load the seed agreement and the fictional ones, with the demo accounts (idempotent)."""
    sync_role_groups()
    users = _load_accounts()
    funder = funder_upsert(
        siret="20005480700017", name="Métropole Aix-Marseille-Provence", short_name="la Métropole",
        legal_form="E.P.C.I.", address="58, boulevard Charles Livon", postal_code="13007", city="Marseille",
        representative_title="La Présidente", representative_name="Martine VASSAL", signature_place="Marseille",
        advance_cap_percent=D("80"),
        financial_rules_reference="Règlement budgétaire et financier approuvé par la délibération n° FBPA 029-8299/20/CM du 31 juillet 2020",
        budget_imputation="budget principal métropolitain", court_name="Tribunal administratif de Marseille",
        court_address="31, rue Jean-François Leca, 13235 Marseille Cedex 02",
        email="subventions@metropole.invalid", finance_email="finances@metropole.invalid",
        service_name="Direction de la vie associative", service_address="BP 48014, 13567 Marseille Cedex 02",
        service_phone="04 91 99 99 00",
    )
    clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    financial_rules_version_upsert(funder=funder, reference=funder.financial_rules_reference, valid_from=date(2020, 7, 31))
    _load_seed_agreement(funder, users)
    for year in (2024, 2025, 2026):
        indicator_set_upsert(name=COMMON_SET_NAME, structure_type="Associations (jeu commun)", year=year,
                             is_default=True, definitions=COMMON_DEFINITIONS,
                             introduction="Ces indicateurs sont renseignés chaque année et joints à la demande de solde.")
    for entry in FICTIONAL:
        _load_fictional(funder, users, entry)
    load_issue_15_cases(funder, users)
    _load_multiyear(funder, users)
    load_portal_demo(users)
    load_campaigns_demo(funder, users)
    load_deliberations_demo(funder, users)
    load_draft_deliberation_demo(funder, users)
    for convention in Convention.objects.filter(funder=funder, instructing_agent__isnull=True):  # « Votre contact »
        convention_assign_agent(convention=convention, agent=users["agent"], user=users["agent"])
    return DEMO_ACCOUNTS


def _load_accounts() -> dict:
    users = {}
    groups = {g.name: g for g in Group.objects.filter(name__in=[ADMINISTRATOR, AGENT, FINANCE])}
    names = {"admin": ("Alice", "ADMIN"), "agent": ("Antoine", "MARTIN"), "finance": ("Fatima", "GARNIER"),
             "scs": ("Sophie", "LEGRAND"), "asso2": ("Nadia", "BENALI")}
    for account in DEMO_ACCOUNTS:
        first, last = names[account.username]
        is_staff = account.role != "member"
        user = user_upsert(
            username=account.username, password=DEMO_PASSWORD, first_name=first, last_name=last,
            email=f"{account.username}@demo.invalid", is_staff=is_staff, is_superuser=account.role == ADMINISTRATOR,
        )
        user.groups.set([groups[account.role]] if is_staff else [])
        users[account.username] = user
    return users


def _load_seed_agreement(funder, users):
    scs = beneficiary_upsert(
        siret="51990012300018", name="Pôle Solutions Communicantes Sécurisées", acronym="Pôle SCS",
        legal_form="Association loi 1901", rna="W133001234", address="Place Paul Borde", postal_code="13790",
        city="Rousset", email="contact@pole-scs.invalid", representative_civility=Civility.MR,
        representative_title="Président", representative_name="Fabien ALLI", fiscal_year_end_month=12,
        iban="FR7630004000031234567890143", bic="BNPAFRPP", bank_name="BNP Paribas Aix-en-Provence",
    )
    membership_grant(user=users["scs"], beneficiary=scs, role=MemberRole.STAFF)
    convention = convention_upsert(
        reference=SEED_REFERENCE, kind=Kind.OPERATING, funder=funder, beneficiary=scs, fiscal_year=2023,
        period_start=date(2023, 1, 1), period_end=date(2023, 12, 31),
        title="Subvention de fonctionnement global 2023 au pôle de compétitivité SCS",
        preamble=PREAMBLE, objectives=OBJECTIVES, programme_summary=PROGRAMME_SUMMARY,
        action_programme=ACTION_PROGRAMME, non_financial_contributions=NON_FINANCIAL,
        deliberation_body=DeliberationBody.BUREAU, amount_granted=D("66000"), advance_cap_percent=D("80"),
        stated_share_percent=D("5.70"), stated_eligible_expenses_printed="1.163.53€",
        beneficiary_signatory="Fabien ALLI", funder_signatory="Martine VASSAL",
    )
    convention_load_history(convention=convention, path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW], by=users["agent"])
    article_7 = next(c for c in convention_clauses_prepare(convention=convention) if c.number == "7")
    convention_clause_update(clause=article_7, title=article_7.title, body=SEED_ARTICLE_7)
    budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST)
    budget.declared_total_charges = D("953530")
    budget.declared_total_products = D("953530")
    budget.certified_by, budget.certified_place, budget.certified_on = "Fabien ALLI", "Rousset", date(2023, 3, 6)
    budget.status = BudgetStatus.SUBMITTED
    budget.save()
    budget_replace_lines(budget=budget, lines=SEED_FORECAST_LINES)

    annex_v = indicator_set_upsert(
        name="Indicateurs d'impact des structures d'appui à l'innovation (annexe V)",
        structure_type="Structures d'appui à l'écosystème d'innovation", year=2023,
        introduction=ANNEX_V_INTRODUCTION, definitions=ANNEX_V_DEFINITIONS,
    )
    annex_iv = indicator_set_upsert(
        name="Principaux indicateurs de la phase IV sur le territoire métropolitain (annexe IV)",
        structure_type="Structures d'appui à l'écosystème d'innovation", year=2022, definitions=ANNEX_IV_DEFINITIONS,
    )
    indicator_report_record(convention=convention, indicator_set=annex_iv, year=2022, period_label="2019-2022",
                            values=ANNEX_IV_VALUES, status=ReportStatus.VALIDATED)
    indicator_report_open(convention=convention, indicator_set=annex_v)
    return convention


def _load_fictional(funder, users, entry):
    beneficiary = beneficiary_upsert(**entry["beneficiary"])
    if "member" in entry:
        username, _first, _last, role = entry["member"]
        membership_grant(user=users[username], beneficiary=beneficiary, role=role)
    if entry.get("vault"):
        load_vault_demo(beneficiary, users)
    for spec in entry["conventions"]:
        if "renews" in spec and not Convention.objects.filter(reference=spec["reference"]).exists():
            renewal = convention_renew(convention=Convention.objects.get(reference=spec["renews"]), user=users["agent"])
            assert renewal.reference == spec["reference"], renewal.reference  # next year's reference, unused
        deliberation_number, deliberation_date = spec.get("deliberation", ("", None))
        beneficiary_signed, funder_signed = spec.get("signed", (None, None))
        convention = convention_upsert(
            reference=spec["reference"], kind=Kind.OPERATING, funder=funder, beneficiary=beneficiary,
            fiscal_year=spec["fiscal_year"], period_start=date(spec["fiscal_year"], 1, 1),
            period_end=date(spec["fiscal_year"], 12, 31), title=spec["title"],
            objectives=spec["title"], amount_granted=spec["amount"], advance_cap_percent=funder.advance_cap_percent,
            deliberation_body=DeliberationBody.BUREAU if deliberation_number else "",
            deliberation_number=deliberation_number, deliberation_date=deliberation_date,
            beneficiary_signatory=beneficiary.representative_name if beneficiary_signed else "",
            beneficiary_signed_on=beneficiary_signed,
            funder_signatory=funder.representative_name if funder_signed else "", funder_signed_on=funder_signed,
            notified_on=spec.get("notified"),
            non_financial_contributions="Bénévolat des adhérents, valorisé à 12 000 €.",
        )
        budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST)
        budget.status = BudgetStatus.DRAFT if spec["path"] == [Status.DRAFT] else BudgetStatus.VALIDATED
        budget.save()
        if not convention.is_signed:  # a signed agreement's forecast is frozen (annex I of what was signed)
            others = [("742", "Région Sud", (spec["charges"] * D("0.15")).quantize(D("1"))),
                      ("745", f"Commune de {beneficiary.city}", (spec["charges"] * D("0.10")).quantize(D("1")))]
            budget_replace_lines(budget=budget, lines=_balanced_lines(spec["charges"], spec["amount"], funder.name, others))
        if "renews" not in spec:  # a renewal has its own history: created in draft by the renewal
            convention_load_history(convention=convention, path=spec["path"], by=users["agent"])
        if "legality" in spec:  # sent to the préfecture once signed: enforceable from its receipt
            transmitted_on, received_on = spec["legality"]
            convention = convention_upsert(reference=convention.reference, legality_transmitted_on=transmitted_on,
                                           legality_received_on=received_on)
        _load_payments(convention, spec, users)
        _load_indicators(convention, spec, users)
        if "amendment" in spec:
            subject, new_end, text = spec["amendment"]
            Amendment.objects.update_or_create(
                convention=convention, number=1,
                defaults={"subject": subject, "text": text, "new_period_end": new_end},
            )
        if "terminated" in spec:
            terminated_on, reason = spec["terminated"]
            convention.refresh_from_db()
            convention.terminated_on = terminated_on
            convention._history_user = users["agent"]
            convention.save(update_fields=["terminated_on", "updated_at"])  # with its audit record
            convention.recoveries.all().delete()
            recovery_issue_for_termination(convention=convention, user=users["agent"], pro_rata_temporis=True, reason=reason)


def _load_indicators(convention, spec, users):
    """Open the indicator report of an agreement that was notified; play its demo story once."""
    if not {Status.ACTIVE, Status.CLOSED, Status.TERMINATED} & set(spec["path"]):
        return
    report = indicator_report_open(convention=convention)
    story = DEMO_INDICATORS.get(convention.reference, {})
    if report.status != ReportStatus.DRAFT or not story:
        return
    if "draft" in story:
        indicator_report_save(report=report, figures=story["draft"], by=users["asso2"])
    if "first" in story:
        indicator_report_submit(report=report, figures=story["first"])
        indicator_report_return(report=report, by=users["agent"], comment=story["return"])
        indicator_report_submit(report=report, figures=story["second"])
        indicator_report_validate(report=report, by=users["agent"])


def _load_payments(convention, spec, users):
    signer = convention.beneficiary
    for kind, key in ((PaymentKind.ADVANCE, "advance_paid"), (PaymentKind.BALANCE, "balance_paid")):
        if key not in spec:
            continue
        paid_on, order_number = spec[key]
        advance = percent_of(convention.amount_granted, convention.advance_cap_percent)
        amount = advance if kind == PaymentKind.ADVANCE else convention.amount_granted - advance
        PaymentRequest.objects.update_or_create(
            convention=convention, kind=kind,
            defaults=dict(
                amount=amount, status=PaymentStatus.PAID, certified_by_name=signer.representative_name,
                certified_by_quality=signer.representative_title, certified_on=paid_on.replace(day=1),
                commitment_number=f"EJ-{convention.fiscal_year}-{convention.pk:05d}",
                budget_imputation="65748 - 90", payment_order_number=order_number, paid_on=paid_on,
            ),
        )
    if spec["path"][-1] in (Status.ACTIVE, Status.CLOSED, Status.TERMINATED):
        given = vault_cover(convention, on=timezone.localdate())  # the association's vault gives them
        for kind in (DocumentKind.INSURANCE, DocumentKind.BANK_DETAILS, DocumentKind.STATUTES,
                     DocumentKind.REPUBLICAN_COMMITMENT):
            if kind in given:
                continue
            Document.objects.update_or_create(
                convention=convention, kind=kind, defaults={"status": DocumentStatus.ACCEPTED},
            )


#: The multi-year agreement of the demo: 2025–2027, the first year voted and its advance paid,
#: the second voted, the third still to vote (its number a placeholder, only the year known).
MULTIYEAR_REFERENCE = "AMP-2025-SOC-CPO-RES"
MULTIYEAR_YEARS = [
    dict(year=2025, amount=D("40000"), deliberation_body=DeliberationBody.COUNCIL,
         deliberation_number="SOC 008-0412/25/CM", deliberation_date=date(2025, 3, 27), voted=True,
         charges=D("150000")),
    dict(year=2026, amount=D("42000"), deliberation_body=DeliberationBody.COUNCIL,
         deliberation_number="SOC 011-1530/26/CM", deliberation_date=date(2026, 3, 26), voted=True,
         charges=D("156000")),
    dict(year=2027, amount=D("42000"), deliberation_body=DeliberationBody.COUNCIL,
         deliberation_number="2027/....", deliberation_year=2027, voted=False, charges=D("160000")),
]


def _load_multiyear(funder, users):
    """Load the multi-year agreement (convention pluriannuelle d'objectifs) with its three yearly tranches."""
    beneficiary = beneficiary_upsert(
        siret="53212345600016", name="Réseau d'entraide des quartiers Est", acronym="REQE", rna="W133067890",
        address="5, boulevard de la Valbarelle", postal_code="13011", city="Marseille",
        email="contact@reqe.invalid", representative_civility=Civility.MRS, representative_title="Présidente",
        representative_name="Sophie LAURENT", iban="FR7630004000031234567890143", bic="BNPAFRPP",
        bank_name="BNP Paribas Marseille",
    )
    first = MULTIYEAR_YEARS[0]
    convention = convention_upsert(
        reference=MULTIYEAR_REFERENCE, kind=Kind.OPERATING, is_multiannual=True, funder=funder,
        beneficiary=beneficiary, fiscal_year=2025, period_start=date(2025, 1, 1), period_end=date(2027, 12, 31),
        title="Convention pluriannuelle d'objectifs 2025-2027 : entraide et médiation sociale dans les quartiers Est",
        objectives="Tenir quatre permanences d'accès aux droits par semaine\nAccompagner 600 habitants par an",
        advance_cap_percent=funder.advance_cap_percent,
        # The total is the sum of its years (conventions.tranches): given at once so that no
        # record of the agreement ever holds an unknown amount once it is entered.
        amount_granted=tranches_total(spec["amount"] for spec in MULTIYEAR_YEARS),
        deliberation_body=first["deliberation_body"], deliberation_number=first["deliberation_number"],
        deliberation_date=first["deliberation_date"],
        beneficiary_signatory=beneficiary.representative_name, beneficiary_signed_on=date(2025, 4, 15),
        funder_signatory=funder.representative_name, funder_signed_on=date(2025, 4, 22), notified_on=date(2025, 4, 28),
    )
    stored = {t.year: t for t in convention.tranches.all()}
    fields = ("year", "amount", "deliberation_body", "deliberation_number", "deliberation_date", "deliberation_year")
    rows = [{**{name: spec.get(name) for name in fields}, "tranche": stored.get(spec["year"])} for spec in MULTIYEAR_YEARS]
    for row in rows:
        row["deliberation_number"] = row["deliberation_number"] or ""
    if not convention.is_signed:
        convention_tranches_save(convention=convention, rows=rows, user=users["agent"])
    for spec in MULTIYEAR_YEARS:
        if spec["charges"] is None:
            continue
        budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST, year=spec["year"])
        if budget.status != BudgetStatus.VALIDATED:
            others = [("742", "Région Sud", (spec["charges"] * D("0.15")).quantize(D("1"))),
                      ("745", "Ville de Marseille", (spec["charges"] * D("0.10")).quantize(D("1")))]
            budget_replace_lines(budget=budget, lines=_balanced_lines(spec["charges"], spec["amount"], funder.name, others))
            budget.status = BudgetStatus.VALIDATED
            budget.save()
    convention_load_history(convention=convention, by=users["agent"], path=[
        Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED, Status.ACTIVE])
    convention.refresh_from_db()
    for spec in MULTIYEAR_YEARS:
        tranche = convention.tranches.get(year=spec["year"])
        if spec["voted"] and not tranche.is_voted:
            tranche_vote(tranche=tranche, user=users["agent"])
    first_year = convention.tranches.get(year=2025)
    PaymentRequest.objects.update_or_create(
        convention=convention, kind=PaymentKind.ADVANCE, tranche=first_year,
        defaults=dict(
            amount=percent_of(first_year.amount, convention.advance_cap_percent), status=PaymentStatus.PAID,
            certified_by_name=beneficiary.representative_name, certified_by_quality=beneficiary.representative_title,
            certified_on=date(2025, 5, 2), commitment_number=f"EJ-2025-{convention.pk:05d}",
            budget_imputation="65748 - 90", payment_order_number="M-2025-005120", paid_on=date(2025, 5, 20),
        ),
    )
    for kind in (DocumentKind.INSURANCE, DocumentKind.BANK_DETAILS, DocumentKind.STATUTES,
                 DocumentKind.REPUBLICAN_COMMITMENT):
        Document.objects.update_or_create(convention=convention, kind=kind, year=None,
                                          defaults={"status": DocumentStatus.ACCEPTED})
    documents_expect(convention=convention, user=users["agent"])  # the yearly documents, one set a year
    indicator_reports_open(convention=convention, user=users["agent"])  # one report a year (2027: no set yet)
    return convention
