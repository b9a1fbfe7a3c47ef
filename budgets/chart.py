"""The Cerfa 12156*06 chart of accounts, in the form's order (DOMAIN.md §5).

The chart is shipped as data: each chapter has the side it belongs to (charges or produits),
whether it holds in-kind contributions (86 / 87), and the accounts a line can be entered on.
A chapter the form does not subdivide is itself the one account of the chapter.
"""

from dataclasses import dataclass, field
from functools import cache

CHARGES = "charges"
PRODUCTS = "produits"


@dataclass(frozen=True)
class Account:
    code: str
    label: str
    chapter: "Chapter" = field(compare=False, repr=False)
    is_cofunder_line: bool = False

    @property
    def side(self) -> str:
        return self.chapter.side

    @property
    def in_kind(self) -> bool:
        return self.chapter.in_kind


@dataclass(frozen=True)
class Chapter:
    code: str
    label: str
    side: str
    in_kind: bool = False
    accounts: tuple[Account, ...] = ()


_CHART_SOURCE: list[tuple[str, str, str, bool, list[tuple[str, str]]]] = [
    ("60", "Achats", CHARGES, False, [
        ("604", "Prestations de services"),
        ("601", "Achats matières et fournitures"),
        ("606", "Autres fournitures"),
    ]),
    ("61", "Services extérieurs", CHARGES, False, [
        ("613", "Locations"),
        ("615", "Entretien et réparation"),
        ("616", "Assurance"),
        ("618", "Documentation"),
    ]),
    ("62", "Autres services extérieurs", CHARGES, False, [
        ("622", "Rémunérations intermédiaires et honoraires"),
        ("623", "Publicité, publication"),
        ("625", "Déplacements, missions"),
        ("627", "Services bancaires, autres"),
    ]),
    ("63", "Impôts et taxes", CHARGES, False, [
        ("631", "Impôts et taxes sur rémunération"),
        ("635", "Autres impôts et taxes"),
    ]),
    ("64", "Charges de personnel", CHARGES, False, [
        ("641", "Rémunération des personnels"),
        ("645", "Charges sociales"),
        ("647", "Autres charges de personnel"),
    ]),
    ("65", "Autres charges de gestion courante", CHARGES, False, []),
    ("66", "Charges financières", CHARGES, False, []),
    ("67", "Charges exceptionnelles", CHARGES, False, []),
    ("68", "Dotation aux amortissements", CHARGES, False, []),
    ("69", "Impôt sur les bénéfices (IS) ; participation des salariés", CHARGES, False, []),
    ("86", "Emplois des contributions volontaires en nature", CHARGES, True, [
        ("860", "Secours en nature"),
        ("861", "Mise à disposition gratuite de biens et services"),
        ("862", "Prestations"),
        ("864", "Personnel bénévole"),
    ]),
    ("70", "Vente de produits finis, de marchandises, prestations de services", PRODUCTS, False, []),
    ("73", "Dotations et produits de tarification", PRODUCTS, False, []),
    ("74", "Subventions d'exploitation", PRODUCTS, False, [
        ("741", "État (ministère à préciser)"),
        ("742", "Région(s)"),
        ("743", "Département(s)"),
        ("744", "Intercommunalité(s) : EPCI"),
        ("745", "Commune(s)"),
        ("746", "Organismes sociaux"),
        ("747", "Fonds européens"),
        ("748", "Agence de services et de paiement (emplois aidés)"),
        ("749", "Autres établissements publics"),
        ("740", "Aides privées"),
    ]),
    ("75", "Autres produits de gestion courante", PRODUCTS, False, [
        ("756", "Cotisations"),
        ("758", "Dons manuels, mécénat"),
    ]),
    ("76", "Produits financiers", PRODUCTS, False, []),
    ("77", "Produits exceptionnels", PRODUCTS, False, []),
    ("78", "Reprises sur amortissements et provisions", PRODUCTS, False, []),
    ("79", "Transfert de charges", PRODUCTS, False, []),
    ("87", "Contributions volontaires en nature", PRODUCTS, True, [
        ("870", "Bénévolat"),
        ("871", "Prestations en nature"),
        ("875", "Dons en nature"),
    ]),
]

#: Each kind of in-kind contribution is valued twice, as a use (86) and as a resource (87), and the
#: two must agree kind by kind, not only in total: (label, charges accounts, produits accounts).
IN_KIND_PAIRS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Bénévolat", ("864",), ("870",)),
    ("Mise à disposition de biens et prestations", ("861", "862"), ("871",)),
    ("Secours et dons en nature", ("860",), ("875",)),
)

#: Chapter 74 accounts whose funder is a public body (DOMAIN.md §8: public cash subsidies).
PUBLIC_FUNDER_CODES = frozenset({"741", "742", "743", "744", "745", "746", "747", "748", "749"})
COFUNDER_CHAPTER = "74"


def _build() -> tuple[Chapter, ...]:
    chapters = []
    for code, label, side, in_kind, accounts in _CHART_SOURCE:
        chapter = Chapter(code, label, side, in_kind)
        sources = accounts or [(code, label)]
        built = tuple(
            Account(acc_code, acc_label, chapter, is_cofunder_line=code == COFUNDER_CHAPTER)
            for acc_code, acc_label in sources
        )
        object.__setattr__(chapter, "accounts", built)
        chapters.append(chapter)
    return tuple(chapters)


CHAPTERS: tuple[Chapter, ...] = _build()
ACCOUNTS: dict[str, Account] = {acc.code: acc for ch in CHAPTERS for acc in ch.accounts}


@cache
def account_order() -> dict[str, int]:
    """Return the position of each account code in the printed form."""
    return {code: index for index, code in enumerate(ACCOUNTS)}


def codes(*, side: str, in_kind: bool) -> list[str]:
    """Return the account codes of one block of the form (e.g. charges excluding in-kind)."""
    return [acc.code for acc in ACCOUNTS.values() if acc.side == side and acc.in_kind == in_kind]


def account_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the chart as grouped choices for a form's select, chapter by chapter."""
    return [
        (f"{ch.code} – {ch.label}", [(acc.code, f"{acc.code} – {acc.label}") for acc in ch.accounts])
        for ch in CHAPTERS
    ]
