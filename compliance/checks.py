"""Legal checks of an agreement and of its association's year (DOMAIN.md §7, §8).

Each rule lives here once, with its legal basis: a threshold function that says whether the
obligation applies, and a check that gives its state (conforme, à faire, en retard, non
applicable) and its due date. Checks are computed in bulk (``checks_by_convention``) with a
fixed number of queries, so lists and the dashboard stay flat.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.identifiers import IdentifierState, iban_is_valid, siret_is_valid
from budgets.models import Budget, BudgetKind, BudgetStatus
from conventions.amounts import effective_amount
from conventions.models import SIGNED_STATES, Status
from core.dates import french_date
from core.deadlines import justification_due_date
from core.money import format_euros, format_percent, format_total
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import (
    DELIVERED,
    REPUBLICAN_COMMITMENT_FROM,
    VOID_STATES,
    AssociationYear,
    agreement_date,
    association_years,
    auditor_required,
    open_data_due_date,
    republican_commitment_applies,
)
from documents.vault import given_on, papers_in_force, vault_cover

WRITTEN_AGREEMENT_THRESHOLD = Decimal("23000")
CERTIFIED_ACCOUNTS_THRESHOLD = Decimal("75000")
CERTIFIED_ACCOUNTS_SHARE = Decimal("0.5")



class State(models.TextChoices):
    OK = "ok", gettext_lazy("conforme")
    TODO = "todo", gettext_lazy("à faire")
    LATE = "late", gettext_lazy("en retard")
    NOT_APPLICABLE = "na", gettext_lazy("non applicable")


@dataclass(frozen=True)
class Rule:
    label: str
    legal_basis: str


RULES = {
    "written_agreement": Rule(
        gettext_lazy("Convention écrite obligatoire au-delà de 23 000 €"),
        gettext_lazy("Loi n° 2000-321 du 12 avril 2000, art. 10 ; décret n° 2001-495 du 6 juin 2001"),
    ),
    "open_data": Rule(
        gettext_lazy("Publication en données ouvertes dans les trois mois suivant la signature"),
        gettext_lazy("Loi n° 2000-321, art. 10 ; décret n° 2017-779 du 5 mai 2017 ; arrêté du 17 novembre 2017 (SCDL « Subventions »)"),
    ),
    "statutory_auditor": Rule(
        gettext_lazy("Commissaire aux comptes (subventions publiques en numéraire ≥ 153 000 € dans l'année)"),
        gettext_lazy("Code de commerce, art. L612-4 et D612-5"),
    ),
    "certified_accounts": Rule(
        gettext_lazy("Comptes certifiés transmis à la collectivité (plus de 75 000 € ou plus de 50 % du budget)"),
        gettext_lazy("Code général des collectivités territoriales, art. L2313-1 ; convention, art. 6.1"),
    ),
    "financial_report": Rule(
        gettext_lazy("Compte rendu financier (Cerfa n° 15059) dans les six mois suivant la clôture de l'exercice"),
        gettext_lazy("Loi n° 2000-321, art. 10 ; arrêté du 11 octobre 2006 ; convention, art. 6.2"),
    ),
    "republican_commitment": Rule(
        gettext_lazy("Contrat d'engagement républicain signé"),
        gettext_lazy("Loi n° 2000-321, art. 10-1 (loi n° 2021-1109 du 24 août 2021) ; décret n° 2021-1947 du 31 décembre 2021"),
    ),
    "identifiers": Rule(
        gettext_lazy("Identifiants valides (SIRET, RNA, IBAN)"),
        gettext_lazy("Décret n° 2017-779 et arrêté du 17 novembre 2017 (SIRET ou RNA du bénéficiaire, SIRET de l'attribuant) ; norme ISO 13616 (IBAN)"),
    ),
}


#: The document whose delivery meets each obligation: an overdue list shows the obligation only.
CHECK_DOCUMENTS = {
    "statutory_auditor": DocumentKind.AUDITOR_REPORT,
    "certified_accounts": DocumentKind.ANNUAL_ACCOUNTS,
    "financial_report": DocumentKind.FINANCIAL_REPORT,
    "republican_commitment": DocumentKind.REPUBLICAN_COMMITMENT,
}


# --- Thresholds: one function per legal limit -----------------------------------------------

def written_agreement_required(amount: Decimal) -> bool:
    """Return True when a written agreement is mandatory: more than 23 000 €."""
    return amount > WRITTEN_AGREEMENT_THRESHOLD


def open_data_required(amount: Decimal) -> bool:
    """Return True when the agreement's data must be published: more than 23 000 €."""
    return amount > WRITTEN_AGREEMENT_THRESHOLD




def certified_accounts_required(amount: Decimal, share: Decimal | None) -> bool:
    """Return True above 75 000 € from the authority, or above 50 % of the association's budget."""
    return amount > CERTIFIED_ACCOUNTS_THRESHOLD or (share is not None and share > CERTIFIED_ACCOUNTS_SHARE)


# --- The association's year -----------------------------------------------------------------





# --- Checks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    code: str
    state: str
    due_on: date | None = None
    detail: str = ""

    @property
    def label(self):
        return RULES[self.code].label

    @property
    def legal_basis(self):
        return RULES[self.code].legal_basis

    @property
    def state_label(self):
        return State(self.state).label

    @property
    def is_late(self) -> bool:
        return self.state == State.LATE


def for_compliance(queryset):
    """Bundle what the checks read: parties, amount in force, documents and the actual budget, prefetched."""
    return queryset.with_amount_in_force().select_related("beneficiary", "funder").prefetch_related(
        Prefetch("documents", queryset=Document.objects.order_by("kind", "pk")),
        Prefetch("budgets", queryset=Budget.objects.filter(kind=BudgetKind.ACTUAL), to_attr="actual_budgets"),
    )


def checks_by_convention(conventions, *, today: date, vault_in_force: dict | None = None) -> dict[int, list[Check]]:
    """Return the checks of each agreement of ``conventions`` (best loaded with ``for_compliance``).

    ``vault_in_force``: the associations' vault papers in force ``today``, when the caller has them."""
    conventions = list(conventions)
    years = association_years((c.beneficiary_id, c.fiscal_year) for c in conventions)
    in_force = vault_in_force
    if in_force is None:
        in_force = papers_in_force({c.beneficiary_id for c in conventions}, on=today)
    return {c.pk: convention_checks(c, association_year=years[(c.beneficiary_id, c.fiscal_year)], today=today,
                                    vault_in_force=in_force)
            for c in conventions}


def convention_checks(convention, *, association_year: AssociationYear | None = None, today: date,
                      vault_in_force: dict | None = None) -> list[Check]:
    """Return every legal check of ``convention``, in the order of DOMAIN.md §8.

    A permanent paper the association's vault holds, valid ``today``, counts as given
    (``documents.vault``); ``vault_in_force`` spares its query in a list.
    """
    if association_year is None:
        key = (convention.beneficiary_id, convention.fiscal_year)
        association_year = association_years([key])[key]
    if convention.status in VOID_STATES:
        detail = _("Convention refusée ou annulée : aucune obligation.")
        return [Check(code, State.NOT_APPLICABLE, detail=detail) for code in RULES]
    cover = vault_cover(convention, on=today, in_force=vault_in_force)
    documents = _documents_by_kind(convention, cover)
    amount = effective_amount(convention)  # thresholds apply to the amount in force, signed amendments included
    return [
        _written_agreement(convention, amount, association_year),
        _open_data(convention, amount, today),
        _statutory_auditor(convention, association_year, documents, today),
        _certified_accounts(convention, association_year, documents, today),
        _financial_report(convention, documents, today),
        _republican_commitment(convention, documents, cover),
        _identifiers(convention),
    ]


def _documents_by_kind(convention, cover) -> dict[str, set[str]]:
    statuses = defaultdict(set)
    for doc in convention.documents.all():
        statuses[doc.kind].add(doc.status)
    for kind, paper in cover.items():
        statuses[kind].add(paper.status)
    return statuses


def _is_granted(convention) -> bool:
    return convention.status in SIGNED_STATES


def _amount_not_given(code: str) -> Check:
    """A threshold cannot be judged while the amount granted is not given: to do once the vote fixes it."""
    return Check(code, State.TODO, detail=_("Montant attribué non renseigné : le seuil de 23 000 € sera apprécié "
                                             "une fois le montant connu (le vote l'exige)."))


def _written_agreement(convention, amount: Decimal | None, year: AssociationYear) -> Check:
    """A written agreement is owed when the funder's subsidies to the association for the year exceed 23 000 €.

    The threshold is judged on the cumulated amount (décret 2001-495, art. 1: « dont le montant
    annuel dépasse 23 000 € »): every agreement of the same funder with the same association for the
    same fiscal year, at its amount in force (``association_years``), this one included.
    """
    cumulated = year.funder_total(convention.funder_id)
    unknown = year.funder_unknown(convention.funder_id)
    if amount is not None and cumulated < amount:  # not counted in the year (a year not loaded): at least itself
        cumulated = amount
    values = {"amount": format_euros(amount), "cumulated": format_total(cumulated, unknown), "year": year.year}
    if written_agreement_required(cumulated):
        if amount is not None and cumulated != amount:
            reason = _("%(cumulated)s de subventions de la collectivité en %(year)s, dont %(amount)s pour "
                       "cette convention") % values
        elif amount is None:
            reason = _("%(cumulated)s de subventions de la collectivité en %(year)s, sans le montant de cette "
                       "convention (non renseigné)") % values
        else:
            reason = format_euros(amount)
        if _is_granted(convention):
            return Check("written_agreement", State.OK, agreement_date(convention),
                         _("Convention signée (%(reason)s).") % {"reason": reason})
        return Check("written_agreement", State.TODO,
                     detail=_("%(reason)s : à signer par les deux parties avant tout versement.") % {"reason": reason})
    if amount is None:
        return _amount_not_given("written_agreement")
    if unknown:
        return Check("written_agreement", State.TODO, detail=_(
            "%(cumulated)s de subventions de la collectivité en %(year)s : le seuil de 23 000 € sera apprécié "
            "une fois les montants connus.") % values)
    if cumulated != amount:
        return Check("written_agreement", State.NOT_APPLICABLE, detail=_(
            "%(cumulated)s de subventions de la collectivité en %(year)s (dont %(amount)s pour cette convention) : "
            "pas plus de 23 000 €.") % values)
    return Check("written_agreement", State.NOT_APPLICABLE,
                 detail=_("%(amount)s : pas plus de 23 000 €.") % values)


def _open_data(convention, amount: Decimal | None, today: date) -> Check:
    if amount is None:
        return _amount_not_given("open_data")
    if not open_data_required(amount):
        return Check("open_data", State.NOT_APPLICABLE,
                     detail=_("%(amount)s : pas plus de 23 000 €.") % {"amount": format_euros(amount)})
    signed_on = agreement_date(convention) if _is_granted(convention) else None
    if signed_on is None:
        return Check("open_data", State.TODO, detail=_("À publier dans les trois mois suivant la signature."))
    due = open_data_due_date(signed_on)
    published = convention.open_data_published_on
    if published:
        late = _(" (après l'échéance)") if published > due else ""
        return Check("open_data", State.OK, due, _("Publiée le %(date)s%(late)s.") % {"date": _fr_date(published), "late": late})
    state = State.LATE if today > due else State.TODO
    return Check("open_data", state, due, _("Pas encore publiée."))


def _delivered_check(code, kind, convention, documents, today, detail) -> Check:
    """Return the state of an obligation met by delivering ``kind`` by the justification date."""
    due = justification_due_date(convention)
    if convention.status == Status.CLOSED:
        return Check(code, State.OK, due, detail + " " + _("Convention soldée : justificatifs acceptés."))
    if convention.status == Status.TERMINATED:
        return Check(code, State.NOT_APPLICABLE, due, detail + " " + _("Convention résiliée."))
    if documents.get(kind, set()) & DELIVERED:
        return Check(code, State.OK, due, detail + " " + _("Pièce reçue."))
    state = State.LATE if _is_granted(convention) and today > due else State.TODO
    return Check(code, state, due, detail)


def _statutory_auditor(convention, year: AssociationYear, documents, today) -> Check:
    detail = _("Subventions publiques %(year)s : %(total)s (conventions %(agreements)s, cofinanceurs publics du budget %(cofunding)s).") % {
        "year": year.year, "total": format_total(year.public_subsidies, year.unknown_amounts),
        "agreements": format_total(year.agreements_total, sum(year.unknown_by_funder.values())),
        "cofunding": format_total(year.public_cofunding, year.unknown_cofunding),
    }
    if not auditor_required(year.public_subsidies):
        if year.unknown_amounts:  # below with what is known: the amounts not given may reach it
            return Check("statutory_auditor", State.TODO, detail=detail + " " + _(
                "Moins de 153 000 € chiffrés : le seuil sera apprécié une fois les montants connus."))
        return Check("statutory_auditor", State.NOT_APPLICABLE, detail=detail + " " + _("Moins de 153 000 €."))
    detail += " " + _("Commissaire aux comptes obligatoire ; son rapport est attendu.")
    return _delivered_check("statutory_auditor", DocumentKind.AUDITOR_REPORT, convention, documents, today, detail)


def _certified_accounts(convention, year: AssociationYear, documents, today) -> Check:
    amount = year.funder_total(convention.funder_id)
    unknown = year.funder_unknown(convention.funder_id)
    share = year.funder_share(convention.funder_id)
    detail = _("Subventions de la collectivité en %(year)s : %(amount)s, soit %(share)s du budget de l'association.") % {
        "year": year.year, "amount": format_total(amount, unknown), "share": format_percent(share),
    }
    if not certified_accounts_required(amount, share):
        if unknown:  # below with what is known: the amounts not given may reach it
            return Check("certified_accounts", State.TODO, detail=detail + " " + _(
                "Le seuil sera apprécié une fois les montants connus."))
        return Check("certified_accounts", State.NOT_APPLICABLE, detail=detail)
    return _delivered_check("certified_accounts", DocumentKind.ANNUAL_ACCOUNTS, convention, documents, today,
                            detail + " " + _("Comptes annuels certifiés attendus."))


def _financial_report(convention, documents, today) -> Check:
    actual = getattr(convention, "actual_budgets", None)
    if actual is None:
        actual = list(convention.budgets.filter(kind=BudgetKind.ACTUAL))
    if any(b.status in (BudgetStatus.SUBMITTED, BudgetStatus.VALIDATED) for b in actual):
        documents = {**documents, DocumentKind.FINANCIAL_REPORT: {DocumentStatus.RECEIVED}}
    return _delivered_check("financial_report", DocumentKind.FINANCIAL_REPORT, convention, documents, today,
                            _("Budget réalisé et compte rendu financier."))


def _republican_commitment(convention, documents, cover) -> Check:
    if not republican_commitment_applies(convention):
        return Check("republican_commitment", State.NOT_APPLICABLE, detail=_(
            "Convention votée avant le %(day)s : le contrat d'engagement républicain ne s'applique pas.")
            % {"day": _fr_date(REPUBLICAN_COMMITMENT_FROM)})
    statuses = documents.get(DocumentKind.REPUBLICAN_COMMITMENT, set())
    signed_on = agreement_date(convention) if _is_granted(convention) else None
    if DocumentStatus.ACCEPTED in statuses:
        paper = cover.get(DocumentKind.REPUBLICAN_COMMITMENT)
        where = _(" (coffre-fort de l'association, fourni le %(day)s)") % {
            "day": _fr_date(given_on(paper))} if paper is not None else ""
        return Check("republican_commitment", State.OK, signed_on, _("Contrat accepté%(where)s.") % {"where": where})
    detail = _("Reçu, à valider.") if DocumentStatus.RECEIVED in statuses else _("Non fourni.")
    if signed_on is not None:
        return Check("republican_commitment", State.LATE, signed_on, detail + " " + _("Il devait l'être à la signature."))
    return Check("republican_commitment", State.TODO, None, detail + " " + _("À fournir avant la signature."))


def _identifiers(convention) -> Check:
    """Flag every identifier that is missing, invalid or kept « à vérifier »: none of them counts valid."""
    beneficiary, funder = convention.beneficiary, convention.funder
    problems = []
    siret = beneficiary.siret_state
    if siret == IdentifierState.MISSING:
        problems.append(_("SIRET de l'association non renseigné"))
    elif siret == IdentifierState.TO_CHECK:
        problems.append(_("SIRET de l'association à vérifier (conservé tel qu'imprimé : « %(value)s »)")
                        % {"value": beneficiary.siret})
    elif siret == IdentifierState.INVALID:
        problems.append(_("SIRET de l'association invalide"))
    rna = beneficiary.rna_state
    if rna == IdentifierState.TO_CHECK:
        problems.append(_("RNA à vérifier (conservé tel qu'imprimé : « %(value)s »)") % {"value": beneficiary.rna})
    elif rna == IdentifierState.INVALID:
        problems.append(_("RNA invalide"))
    if not beneficiary.iban:
        problems.append(_("IBAN manquant (nécessaire au versement)"))
    elif not iban_is_valid(beneficiary.iban):
        problems.append(_("IBAN invalide"))
    if not siret_is_valid(funder.siret):
        problems.append(_("SIRET de la collectivité invalide"))
    if problems:
        return Check("identifiers", State.TODO, detail=" ; ".join(problems) + ".")
    if rna == IdentifierState.MISSING:
        return Check("identifiers", State.OK, detail=_("SIRET et IBAN valides ; RNA non renseigné."))
    return Check("identifiers", State.OK, detail=_("SIRET, RNA et IBAN valides."))


def _fr_date(day: date) -> str:
    return french_date(day)
