"""Consistency of an agreement entered as printed (DOMAIN.md §10).

An agreement taken over from a paper or PDF document keeps the figures it printed (declared
budget totals, the share and the eligible expenses stated in its text). The software computes
its own from the budget lines (``budgets.rules``); these checks say where the two disagree, by
how much, and flag dates out of order, names written two ways, in-kind contributions that
disagree kind by kind, indicator bands that leave a gap or overlap, and figures printed
malformed. They never change anything.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from budgets.amounts import read_printed_amount
from budgets.in_kind import in_kind_category_gaps
from budgets.models import BudgetKind
from budgets.rules import (
    GrantingLineState,
    budget_totals,
    cofunders,
    declared_total_gaps,
    eligible_expenses,
    granting_line_check,
    granting_line_expected_amount,
    several_granting_lines_message,
)
from compliance.names import Spelling, near_duplicates
from conventions.amounts import base_share, share_is_of_base
from core.dates import french_date
from core.money import HUNDRED, format_decimal_fr, format_euros, format_percent
from documents.obligations import agreement_date
from finance.models import PaymentStatus
from indicators.bands import band_problems
from indicators.models import IndicatorDefinition, Role


@dataclass(frozen=True)
class Finding:
    """One disagreement: what was printed, what the software computes, and the gap."""

    code: str
    label: str
    message: str
    printed: str = ""
    computed: str = ""
    difference: Decimal | None = None


def consistency_findings(convention) -> list[Finding]:
    """Return every disagreement found in ``convention`` and its forecast budget."""
    findings = []
    budget = convention.budgets.filter(kind=BudgetKind.FORECAST).first()
    if budget is not None:
        totals = budget_totals(budget)
        findings += _declared_totals(budget, totals)
        findings += _stated_share(convention, totals)
        findings += _stated_eligible_expenses(convention, budget, totals)
        findings += _granting_funder_line(convention, budget)
        findings += _in_kind_categories(budget)
    if share_is_of_base(convention, eligible_expenses(budget) if budget is not None else None):
        findings += _stated_share_of_base(convention)
    findings += _dates_out_of_order(convention, budget)
    findings += _names_written_twice(convention)
    findings += _indicator_bands(convention)
    return findings


def _declared_totals(budget, totals) -> list[Finding]:
    codes = {
        "charges": ("declared_charges", _("Total des charges imprimé")),
        "products": ("declared_products", _("Total des produits imprimé")),
    }
    findings = []
    for gap in declared_total_gaps(budget, totals):
        code, label = codes[gap.side]
        findings.append(Finding(
            code, label,
            _("%(label)s (%(printed)s) différent de la somme des lignes : %(computed)s hors contributions en nature "
              "(%(with)s avec) ; écart de %(gap)s.") % {
                "label": label, "printed": format_euros(gap.declared), "computed": format_euros(gap.computed),
                "with": format_euros(gap.computed_with_in_kind), "gap": format_euros(abs(gap.difference)),
            },
            printed=format_euros(gap.declared), computed=format_euros(gap.computed), difference=gap.difference,
        ))
    return findings


def printed_tolerance(stated_percent: Decimal) -> Decimal:
    """Return half a unit of the last digit printed: 5.7 → 0.05, 6.92 → 0.005, 6 → 0.5 (points)."""
    exponent = min(stated_percent.normalize().as_tuple().exponent, 0)
    return Decimal(5).scaleb(exponent - 1)


def _stated_share(convention, totals) -> list[Finding]:
    # The text printed the share of the amount granted at signature, not of the amount in force.
    stated = convention.stated_share_percent
    if stated is None or convention.amount_granted is None:  # no share of an amount not given
        return []
    share = totals.funder_share(convention.amount_granted)
    if share is None:
        return []
    with_in_kind = totals.funder_share_with_in_kind(convention.amount_granted)
    tolerance = printed_tolerance(stated)
    if abs(share * HUNDRED - stated) <= tolerance:
        return []
    places = max(0, -stated.normalize().as_tuple().exponent)
    printed = format_percent(stated / HUNDRED, places)
    values = {"printed": printed, "without": format_percent(share), "with": format_percent(with_in_kind)}
    if abs(with_in_kind * HUNDRED - stated) <= tolerance:
        message = _("La part indiquée dans le texte (%(printed)s) ne correspond pas à la part calculée hors "
                    "contributions en nature (%(without)s) : elle correspond à la part avec contributions "
                    "en nature (%(with)s).") % values
    else:
        message = _("La part indiquée dans le texte (%(printed)s) ne correspond à aucune part calculée : "
                    "%(without)s hors contributions en nature, %(with)s avec.") % values
    return [Finding("stated_share", _("Part de la collectivité indiquée"), message, printed=printed,
                    computed=format_percent(share), difference=share * HUNDRED - stated)]


def format_points(gap: Decimal, places: int = 2) -> str:
    """Return a gap between two percentages in points: « 0,01 point », « 2,50 points »."""
    text = format_decimal_fr(abs(gap), places)
    unit = _("point") if Decimal(text.replace(",", ".").replace("\u202f", "")) < 2 else _("points")
    return f"{text}\u00a0{unit}"


def _stated_share_of_base(convention) -> list[Finding]:
    """Compare the share stated in the text with the amount granted over the eligible base (no budget attached)."""
    stated = convention.stated_share_percent
    share = base_share(convention, convention.amount_granted)
    if stated is None or share is None:
        return []
    gap = share * HUNDRED - stated
    if abs(gap) <= printed_tolerance(stated):
        return []
    places = max(0, -stated.normalize().as_tuple().exponent)
    printed = format_percent(stated / HUNDRED, places)
    computed = format_percent(share, max(places, 2))
    message = _("La part indiquée dans le texte (%(printed)s de l'assiette éligible) ne correspond pas à la part "
                "de l'assiette éligible calculée (%(amount)s sur %(base)s, soit %(computed)s) : écart de %(gap)s.") % {
        "printed": printed, "amount": format_euros(convention.amount_granted),
        "base": format_euros(convention.eligible_base), "computed": computed,
        "gap": format_points(gap, max(places, 2)),
    }
    return [Finding("stated_share", _("Part de l'assiette éligible indiquée"), message, printed=printed,
                    computed=computed, difference=gap)]


def _stated_eligible_expenses(convention, budget, totals) -> list[Finding]:
    stated = convention.stated_eligible_expenses
    printed = read_printed_amount(convention.stated_eligible_expenses_printed)
    if printed.is_malformed:
        return [_malformed_eligible_expenses(printed, budget, totals)]
    if stated is None:
        stated = printed.value
    if stated is None:
        return []
    computed = eligible_expenses(budget)
    if stated == computed:
        return []
    gap = computed - stated
    message = _("Les dépenses éligibles indiquées dans le texte (%(printed)s) diffèrent de celles du budget "
                "(%(computed)s, charges hors contributions en nature) : écart de %(gap)s.") % {
        "printed": format_euros(stated), "computed": format_euros(computed), "gap": format_euros(abs(gap)),
    }
    return [Finding("stated_eligible_expenses", _("Dépenses éligibles indiquées"), message,
                    printed=format_euros(stated), computed=format_euros(computed), difference=gap)]


def _malformed_eligible_expenses(printed, budget, totals) -> Finding:
    """Report a malformed printed figure with its readings, the likely one being nearest a total of the budget."""
    references = [
        (eligible_expenses(budget), _("les charges du budget hors contributions en nature")),
        (totals.total_charges, _("les charges du budget contributions en nature comprises")),
    ]
    if budget.declared_total_charges is not None:
        references += [
            (budget.declared_total_charges, _("le total des charges imprimé")),
            (budget.declared_total_charges + totals.in_kind_charges,
             _("le total des charges imprimé, contributions en nature comprises")),
        ]
    label = _("Montant mal formé")
    if not printed.readings:
        message = _("Les dépenses éligibles sont imprimées « %(text)s », qui n'est pas un montant : à vérifier "
                    "sur le document.") % {"text": printed.text}
        return Finding("malformed_figure", label, message, printed=printed.text)
    likely, reference = min(
        ((reading, ref) for reading in printed.readings for ref in references),
        key=lambda pair: abs(pair[0] - pair[1][0]),
    )
    message = _("Les dépenses éligibles sont imprimées « %(text)s », un montant mal formé : lu tel quel, "
                "%(readings)s ; valeur probable %(likely)s (%(reference)s : %(reference_amount)s).") % {
        "text": printed.text, "readings": _(" ou ").join(format_euros(r) for r in printed.readings),
        "likely": format_euros(likely), "reference": reference[1], "reference_amount": format_euros(reference[0]),
    }
    return Finding("malformed_figure", label, message, printed=printed.text, computed=format_euros(likely))


def _in_kind_categories(budget) -> list[Finding]:
    """Flag each kind of in-kind contribution valued differently as a use (86) and as a resource (87)."""
    findings = []
    for gap in in_kind_category_gaps(budget):
        message = _("Contributions en nature « %(label)s » : %(charges)s en emplois (%(charges_codes)s) mais "
                    "%(products)s en ressources (%(products_codes)s) ; écart de %(gap)s.") % {
            "label": gap.label, "charges": format_euros(gap.charges), "products": format_euros(gap.products),
            "charges_codes": ", ".join(gap.charges_codes), "products_codes": ", ".join(gap.products_codes),
            "gap": format_euros(abs(gap.difference)),
        }
        findings.append(Finding("in_kind_categories", _("Contributions en nature par nature"), message,
                                printed=format_euros(gap.products), computed=format_euros(gap.charges),
                                difference=gap.difference))
    return findings


def _names_written_twice(convention) -> list[Finding]:
    """Flag a person or a place that the agreement's records write in two near-identical ways."""
    beneficiary, funder = convention.beneficiary, convention.funder
    budgets = list(convention.budgets.all())
    roles = [
        (_("Représentant de l'association"), [
            Spelling(_("représentant de l'association"), beneficiary.representative_name),
            Spelling(_("signataire pour l'association"), convention.beneficiary_signatory),
            *(Spelling(_("signataire du %(budget)s") % {"budget": b.get_kind_display().lower()}, b.certified_by)
              for b in budgets),
        ]),
        (_("Représentant de la collectivité"), [
            Spelling(_("représentant de la collectivité"), funder.representative_name),
            Spelling(_("signataire pour la collectivité"), convention.funder_signatory),
        ]),
        (_("Lieux"), [
            Spelling(_("commune de l'association"), beneficiary.city),
            Spelling(_("commune de la collectivité"), funder.city),
            Spelling(_("lieu de signature de la collectivité"), funder.signature_place),
            *(Spelling(_("lieu de signature du %(budget)s") % {"budget": b.get_kind_display().lower()},
                       b.certified_place) for b in budgets),
        ]),
    ]
    findings = []
    for role, spellings in roles:
        for first, second in near_duplicates(spellings):
            message = _("%(role)s : « %(first)s » (%(first_where)s) et « %(second)s » (%(second_where)s) "
                        "désignent sans doute la même chose ; une seule fiche, saisie une fois, évite l'erreur.") % {
                "role": role, "first": first.value, "first_where": first.where,
                "second": second.value, "second_where": second.where,
            }
            findings.append(Finding("names", _("Noms écrits de deux façons"), message,
                                    printed=second.value, computed=first.value))
    return findings


def _indicator_bands(convention) -> list[Finding]:
    """Flag the bands of the agreement's indicators that leave a value out or count it twice."""
    bands = (IndicatorDefinition.objects.filter(indicator_set__reports__convention=convention, role=Role.BAND)
             .select_related("parent").order_by("parent__pk", "position", "pk").distinct())
    by_parent: dict = {}
    for band in bands:
        by_parent.setdefault(band.parent, []).append(band.label)
    findings = []
    for parent, labels in by_parent.items():
        for problem in band_problems(labels):
            findings.append(Finding("indicator_bands", _("Tranches d'indicateur"),
                                    _("Indicateur « %(label)s » : %(problem)s") % {
                                        "label": parent.label, "problem": problem.message}))
    return findings


def _granting_funder_line(convention, budget) -> list[Finding]:
    """Compare the forecast's granting funder line with the amount granted as printed (``granting_line_check``)."""
    check = granting_line_check(cofunders(budget), granting_line_expected_amount(budget))
    granted = check.granted
    label = _("Ligne de la collectivité")
    if check.state in (GrantingLineState.OK, GrantingLineState.UNKNOWN_GRANT):
        return []  # equal, or the grant not fixed yet (compared once the vote gives it)
    if check.state == GrantingLineState.MISSING:
        message = _("Aucune ligne du budget n'est marquée comme celle de la collectivité attribuante "
                    "(montant attribué : %(granted)s).") % {"granted": format_euros(granted)}
        return [Finding("granting_funder_line", label, message, computed=format_euros(granted))]
    if check.state == GrantingLineState.SEVERAL:
        message = several_granting_lines_message()
    else:
        message = _("La ligne de la collectivité au budget (%(line)s) diffère du montant attribué (%(granted)s) : "
                    "écart de %(gap)s.") % {
            "line": format_euros(check.amount), "granted": format_euros(granted),
            "gap": format_euros(abs(check.difference)),
        }
    return [Finding("granting_funder_line", label, message,
                    printed=format_euros(check.amount), computed=format_euros(granted), difference=check.difference)]


def _dates_out_of_order(convention, budget) -> list[Finding]:
    """Flag each pair of dates whose order the lifecycle makes impossible."""
    c = convention
    deliberation = (_("la délibération"), c.deliberation_date)
    signed = (_("la signature de la convention"), agreement_date(c))
    pairs = [
        ((_("le début de la période"), c.period_start), (_("la fin de la période"), c.period_end)),
        (deliberation, (_("la signature par l'association"), c.beneficiary_signed_on)),
        (deliberation, (_("la signature par la collectivité"), c.funder_signed_on)),
        (signed, (_("la notification"), c.notified_on)),
        (signed, (_("la résiliation"), c.terminated_on)),
    ]
    if budget is not None:
        pairs.append(((_("la certification du budget prévisionnel"), budget.certified_on), deliberation))
    for payment in c.payment_requests.filter(status=PaymentStatus.PAID).order_by("paid_on"):
        paid = (_("le versement (%(kind)s)") % {"kind": payment.get_kind_display().lower()}, payment.paid_on)
        pairs += [(deliberation, paid), (signed, paid)]
    for amendment in c.amendments.all():
        for day in (amendment.beneficiary_signed_on, amendment.funder_signed_on):
            pairs.append((signed, (_("la signature de l'avenant n° %(n)s") % {"n": amendment.number}, day)))
    return [_out_of_order(earlier, later) for earlier, later in pairs
            if earlier[1] and later[1] and later[1] < earlier[1]]


def _out_of_order(earlier: tuple[str, date], later: tuple[str, date]) -> Finding:
    message = _("Dates dans le désordre : %(later)s (%(later_date)s) précède %(earlier)s (%(earlier_date)s).") % {
        "later": later[0], "later_date": french_date(later[1]),
        "earlier": earlier[0], "earlier_date": french_date(earlier[1]),
    }
    return Finding("dates", _("Ordre des dates"), message,
                   printed=french_date(later[1]), computed=french_date(earlier[1]))
