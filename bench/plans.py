"""What the benchmark data looks like: names, identifiers, lifecycles, balanced budgets.

Pure functions of a seeded ``random.Random``: the same seed gives the same data. Nothing here
touches the database; ``bench.generate`` turns the plans into rows.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from beneficiaries.identifiers import iban_is_valid, luhn_is_valid, rna_is_valid, siret_is_valid
from budgets import chart
from conventions.models import Status

#: The year the dataset is "now": fixed so that the data does not depend on the day it is generated.
BENCH_YEAR = 2026
#: One agreement per association and per year, over ten years: closed ones in the past, drafts next year.
YEARS = tuple(range(BENCH_YEAR - 8, BENCH_YEAR + 2))

PIPELINE = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED, Status.ACTIVE,
            Status.JUSTIFICATION, Status.CLOSED]
SIDE_EXITS = {
    Status.REFUSED: [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.REFUSED],
    Status.CANCELLED: [Status.DRAFT, Status.SUBMITTED, Status.CANCELLED],
    Status.TERMINATED: [*PIPELINE[:6], Status.TERMINATED],
}

#: Status weights by the agreement's year relative to BENCH_YEAR.
STATUS_WEIGHTS = {
    "past": {Status.CLOSED: 84, Status.TERMINATED: 4, Status.REFUSED: 4, Status.CANCELLED: 3, Status.JUSTIFICATION: 5},
    "last": {Status.JUSTIFICATION: 50, Status.CLOSED: 28, Status.ACTIVE: 12, Status.TERMINATED: 3,
             Status.REFUSED: 4, Status.CANCELLED: 3},
    "current": {Status.ACTIVE: 40, Status.SIGNED: 10, Status.VOTED: 10, Status.IN_REVIEW: 10, Status.SUBMITTED: 10,
                Status.DRAFT: 10, Status.REFUSED: 5, Status.CANCELLED: 5},
    "next": {Status.DRAFT: 60, Status.SUBMITTED: 30, Status.IN_REVIEW: 10},
}

PREFIXES = ["Association", "Collectif", "Union", "Maison", "Fédération", "Comité", "Amicale", "Réseau", "Atelier", "Cercle"]
THEMES = [
    "des jardins partagés", "pour l'insertion par l'emploi", "des arts de la rue", "de soutien scolaire",
    "des sports nautiques", "pour l'économie sociale et solidaire", "des musiques actuelles", "d'aide alimentaire",
    "pour la transition énergétique", "du patrimoine provençal", "des jeunes entrepreneurs", "de médiation numérique",
    "pour l'accès aux droits", "des randonneurs", "du cinéma indépendant", "de l'innovation sociale",
    "des familles", "pour l'égalité femmes-hommes", "du commerce équitable", "des pêcheurs",
]
TOWNS = [
    ("Marseille", "13001"), ("Marseille", "13003"), ("Marseille", "13005"), ("Marseille", "13008"),
    ("Marseille", "13013"), ("Marseille", "13015"), ("Aix-en-Provence", "13090"), ("Aubagne", "13400"),
    ("Martigues", "13500"), ("La Ciotat", "13600"), ("Vitrolles", "13127"), ("Salon-de-Provence", "13300"),
    ("Istres", "13800"), ("Marignane", "13700"), ("Gardanne", "13120"), ("Rousset", "13790"),
]
STREETS = ["rue de la République", "boulevard Longchamp", "avenue du Prado", "cours Mirabeau", "place de la Mairie",
           "chemin des Aubagnens", "rue Paradis", "avenue Jean Jaurès", "boulevard de la Libération", "rue Sainte"]
FIRST_NAMES = ["Camille", "Nadia", "Julien", "Sophie", "Karim", "Léa", "Marc", "Fatima", "Hugo", "Claire", "Yanis", "Inès"]
LAST_NAMES = ["MARTIN", "BERNARD", "DURAND", "BENALI", "GARCIA", "ROUX", "FAURE", "MERCIER", "BLANC", "GUERIN",
              "MOREL", "LAMBERT", "FONTAINE", "CHEVALIER", "NGUYEN", "MASSON"]
DIRECTIONS = ["DEVECO", "ESS", "ENV", "CULT", "SPORT", "SOC", "JEUN"]
BICS = ["SOGEFRPP", "CEPAFRPP131", "AGRIFRPP813", "CCBPFRPP", "BNPAFRPP", "CMCIFR2A"]

#: Charges accounts a budget spreads its charges over (in-kind 86 apart), and produits besides the funder.
CHARGE_CODES = [acc.code for acc in chart.ACCOUNTS.values() if acc.side == chart.CHARGES and not acc.in_kind]
COFUNDERS = [("742", "Région Sud"), ("743", "Département des Bouches-du-Rhône"), ("745", "Ville de Marseille"),
             ("741", "État — ministère de la Culture"), ("746", "Caisse d'allocations familiales"),
             ("747", "Fonds social européen"), ("748", "Agence de services et de paiement"), ("740", "Fondation de France")]
OWN_RESOURCES = [("70", "Prestations de services"), ("756", "Cotisations des adhérents"), ("758", "Dons manuels et mécénat"),
                 ("73", "Produits de tarification"), ("76", "Produits financiers"), ("77", "Produits exceptionnels")]
IN_KIND = [("864", "870", "Bénévolat"), ("861", "871", "Mise à disposition de locaux")]


def siret_for(n: int) -> str:
    """Return a valid SIRET (Luhn) for association number ``n``, distinct from the demo's."""
    prefix = f"{410000000 + n:09d}0001"
    siret = next(prefix + str(d) for d in range(10) if luhn_is_valid(prefix + str(d)))
    assert siret_is_valid(siret)
    return siret


def rna_for(n: int) -> str:
    rna = f"W13{n:07d}"
    assert rna_is_valid(rna)
    return rna


def iban_for(n: int) -> str:
    """Return a valid French IBAN (RIB key and mod-97 check digits) for association ``n``."""
    bank, branch, account = "30003", f"{10000 + n % 90000:05d}", f"{n:011d}"
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    numeric = "".join(str(int(c, 36)) for c in bban + "FR00")
    iban = f"FR{98 - int(numeric) % 97:02d}{bban}"
    assert iban_is_valid(iban)
    return iban


def euros(cents: int) -> Decimal:
    """Return an amount in cents as a Decimal in euros, exactly."""
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def split_cents(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split ``total`` cents into ``parts`` positive amounts that add up to it exactly."""
    weights = [rng.randint(5, 100) for _ in range(parts)]
    scale = sum(weights)
    amounts = [max(total * w // scale, 100) for w in weights]
    amounts[-1] += total - sum(amounts)
    if amounts[-1] <= 0:  # tiny totals: fall back to an even split
        amounts = [total // parts] * parts
        amounts[-1] += total - sum(amounts)
    return amounts


def status_for(rng: random.Random, year: int) -> str:
    period = ("past" if year < BENCH_YEAR - 1 else "last" if year == BENCH_YEAR - 1
              else "current" if year == BENCH_YEAR else "next")
    weights = STATUS_WEIGHTS[period]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def status_path(status: str) -> list[str]:
    """Return the states an agreement went through to reach ``status``."""
    if status in SIDE_EXITS:
        return SIDE_EXITS[status]
    return PIPELINE[: PIPELINE.index(status) + 1]


def reached(status: str, milestone: str) -> bool:
    """Return True when an agreement in ``status`` went through ``milestone``."""
    return milestone in status_path(status)


@dataclass
class AssociationPlan:
    number: int
    name: str
    acronym: str
    town: tuple[str, str]
    street: str
    representative: str
    civility: str
    bic: str


def association_plan(rng: random.Random, n: int) -> AssociationPlan:
    prefix, theme = rng.choice(PREFIXES), rng.choice(THEMES)
    town = rng.choice(TOWNS)
    name = f"{prefix} {theme} de {town[0]}" if rng.random() < 0.6 else f"{prefix} {theme} n° {n}"
    acronym = "".join(word[0] for word in name.replace("'", " ").split() if word[0].isupper())[:6] + f"{n % 100:02d}"
    first = rng.choice(FIRST_NAMES)
    civility = "Mme" if first in {"Camille", "Nadia", "Sophie", "Léa", "Fatima", "Claire", "Inès"} else "M."
    return AssociationPlan(
        number=n, name=name, acronym=acronym, town=town, street=f"{rng.randint(1, 180)}, {rng.choice(STREETS)}",
        representative=f"{first} {rng.choice(LAST_NAMES)}", civility=civility, bic=rng.choice(BICS),
    )


@dataclass(frozen=True)
class LinePlan:
    code: str
    label: str
    cents: int
    funding_status: str = ""
    is_granting_funder: bool = False


def forecast_lines(rng: random.Random, *, granted_cents: int, funder_label: str, count: int) -> list[LinePlan]:
    """Return ``count`` lines of a balanced forecast budget (charges = produits, 86 = 87).

    The granting funder's line on chapter 74 equals the amount granted; the funder's share of
    the charges (in-kind excluded) is drawn between 5 % and 60 %.
    """
    in_kind_pairs = IN_KIND[: 2 if count >= 12 else 1]
    products_count = max(3, count // 4)
    charges_count = count - products_count - 2 * len(in_kind_pairs)
    charges_total = granted_cents * 100 // rng.randint(5, 60)
    lines: list[LinePlan] = []

    codes = rng.sample(CHARGE_CODES, min(charges_count, len(CHARGE_CODES)))
    codes += [rng.choice(["606", "613", "622", "641", "645"]) for _ in range(charges_count - len(codes))]
    for index, (code, cents) in enumerate(zip(codes, split_cents(rng, charges_total, charges_count), strict=True)):
        lines.append(LinePlan(code, f"{chart.ACCOUNTS[code].label} — poste {index + 1}", cents))

    lines.append(LinePlan("744", funder_label, granted_cents, "obtained", is_granting_funder=True))
    own = rng.randint(1, min(3, products_count - 1))
    others = rng.sample(COFUNDERS, products_count - 1 - own) + rng.sample(OWN_RESOURCES, own)
    rest = charges_total - granted_cents
    for (code, label), cents in zip(others, split_cents(rng, rest, len(others)), strict=True):
        status = rng.choice(["requested", "obtained"]) if code.startswith("74") else ""
        lines.append(LinePlan(code, label, cents, status))

    in_kind_total = rng.randint(0, charges_total // 5) + 100
    for (charge_code, product_code, label), cents in zip(
        in_kind_pairs, split_cents(rng, in_kind_total, len(in_kind_pairs)), strict=True
    ):
        lines.append(LinePlan(charge_code, label, cents))
        lines.append(LinePlan(product_code, label, cents))
    order = chart.account_order()
    return sorted(lines, key=lambda line: order[line.code])


def actual_lines(rng: random.Random, forecast: list[LinePlan]) -> tuple[list[LinePlan], list[str]]:
    """Mirror the forecast line by line with variances, keeping the actual budget balanced.

    Charges move by −25 % to +10 %; the last own-resource line absorbs the difference so that
    produits still equal charges. Returns the lines and each line's explanation (or "").
    """
    charge_codes = set(chart.codes(side=chart.CHARGES, in_kind=False))
    lines = []
    for line in forecast:
        cents = line.cents
        if line.code in charge_codes:
            cents = line.cents * rng.randint(75, 110) // 100
        lines.append(LinePlan(line.code, line.label, cents, line.funding_status and "obtained", line.is_granting_funder))
    product_codes = set(chart.codes(side=chart.PRODUCTS, in_kind=False))
    gap = sum(line.cents for line in lines if line.code in charge_codes) - sum(
        line.cents for line in lines if line.code in product_codes
    )
    # Other produits than the funder's absorb the gap: the last one grows, or they shrink in turn.
    for index in reversed(range(len(lines))):
        line = lines[index]
        if gap == 0:
            break
        if line.code not in product_codes or line.is_granting_funder:
            continue
        change = gap if gap > 0 else -min(line.cents, -gap)
        lines[index] = LinePlan(line.code, line.label, line.cents + change, line.funding_status)
        gap -= change
    explanations = []
    for before, after in zip(forecast, lines, strict=True):
        moved = abs(after.cents - before.cents) * 100 > 15 * before.cents if before.cents else False
        explanations.append("Activité réduite au second semestre ; dépenses reportées." if moved else "")
    return lines, explanations


def deliberation_date(rng: random.Random, year: int) -> date:
    return date(year, 1, 15) + timedelta(days=rng.randint(0, 150))
