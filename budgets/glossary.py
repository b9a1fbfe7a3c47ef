"""The Cerfa's words in plain French: the short help shown beside the budget's headings and fields.

One glossary for every budget page of the portal (the form, its totals, the confirmation):
``{% glossary "charges" %}`` (``budgets.templatetags.budget_tags``) shows the term's help in a
``<details>`` that opens on demand. ``CHAPTER_TERMS`` says which chapter of the Cerfa's chart
(``budgets.chart``) a term explains.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    word: str
    help: str


GLOSSARY: dict[str, Term] = {
    "charges": Term(_("charges"), _(
        "Tout ce que l'action coûte à l'association sur l'exercice : achats, loyers, salaires, déplacements, "
        "assurances… Le budget prévisionnel les estime, le compte rendu financier dit ce qui a été réellement dépensé.")),
    "produits": Term(_("produits"), _(
        "Tout ce que l'association reçoit pour financer l'action : ventes et participations des usagers, "
        "subventions de chaque financeur, cotisations, dons… Le total des produits doit égaler celui des charges.")),
    "subventions": Term(_("subventions d'exploitation"), _(
        "Les aides des financeurs publics (État, Région, Département, commune, Métropole…), une ligne par financeur. "
        "Une aide demandée dont le montant n'est pas encore connu peut rester sans montant : choisissez « Demandé »."
    )),
    "fonds_propres": Term(_("fonds propres"), _(
        "L'argent que l'association apporte elle-même, sans subvention : cotisations des adhérents, dons, "
        "recettes de ses activités, réserves des années passées. Il complète les financements pour équilibrer le budget.")),
    "in_kind": Term(_("contributions volontaires en nature (86 et 87)"), _(
        "Ce qui est donné sans argent : le temps des bénévoles, un local ou du matériel prêté, des dons en nature. "
        "On l'évalue en euros et on l'inscrit deux fois, au même montant : en emplois (86) et en contributions (87). "
        "Ces montants ne comptent ni dans les charges ni dans les produits ; ils montrent la part du projet "
        "portée par le bénévolat et les aides en nature.")),
    "balance": Term(_("équilibre du budget"), _(
        "Un budget est équilibré quand le total des charges égale celui des produits, et les emplois en nature (86) "
        "les contributions en nature (87). Un budget non équilibré ne peut pas être déposé.")),
}

#: The term that explains each chapter of the Cerfa's chart, shown under its heading.
CHAPTER_TERMS = {"74": "subventions", "75": "fonds_propres", "86": "in_kind", "87": "in_kind"}
