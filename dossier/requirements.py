"""The requirements table: what must be true before each transition of an agreement.

``REQUIREMENTS`` is written once, as data: for each transition of ``dossier.lifecycle``, the
requirements it needs, each with what it asks (``label``), who meets it (``party``) and a check
that returns the French reason it is unmet. Every screen reads it and none decides alone:

- the transition services refuse with the reasons (``dossier.lifecycle.transition_refusal``);
- the admin's « Cycle de vie » buttons and the confirmation pages list them, met or not;
- the portal's « À faire » list shows the association's own unmet requirements
  (``dossier.portal_home``).

A staff member may go past a waivable requirement only with an explicit waiver and its reason
(``RequirementWaiver``, audited, shown on the agreement's page). A waiver is for one
requirement of one transition of one agreement.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.models import BudgetKind, BudgetStatus
from conventions.deliberation import deliberation_missing
from conventions.models import Convention, Status
from core.deadlines import add_months
from core.money import format_euros
from documents.models import DocumentKind, DocumentStatus
from documents.obligations import BEFORE_SIGNATURE, DELIVERED, documents_owed
from documents.vault import effective_status, vault_cover
from dossier.models import RequirementWaiver
from finance.models import PaymentStatus
from finance.rules import schedule
from indicators.models import ReportStatus

#: Who meets a requirement: the instructing service, or the association (shown on its portal).
STAFF = "staff"
ASSOCIATION = "association"


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    check: Callable[[Convention], str | None]
    party: str = STAFF
    waivable: bool = True
    #: The portal page where the association meets it (« À faire »), for ``party == ASSOCIATION``.
    portal_item: str = ""


@dataclass(frozen=True)
class RequirementState:
    """One requirement of one transition, for one agreement: met, unmet (with why) or waived."""

    requirement: Requirement
    reason: str | None
    waiver: RequirementWaiver | None = None

    @property
    def met(self) -> bool:
        return self.reason is None

    @property
    def blocking(self) -> bool:
        return self.reason is not None and self.waiver is None


# --- The checks: each returns the French reason the requirement is unmet, or None -------------------


def _budget(convention: Convention, kind: str):
    return next((b for b in convention.budgets.all() if b.kind == kind), None)


def _forecast_deposited(convention: Convention) -> str | None:
    budget = _budget(convention, BudgetKind.FORECAST)
    if budget is None:
        return _("Le budget prévisionnel n'est pas encore saisi.")
    if budget.status not in (BudgetStatus.SUBMITTED, BudgetStatus.VALIDATED):
        return _("Le budget prévisionnel doit être déposé par l'association (il est « %(status)s »).") % {
            "status": budget.get_status_display()}
    return None


def _forecast_validated(convention: Convention) -> str | None:
    budget = _budget(convention, BudgetKind.FORECAST)
    if budget is None:
        return _("Le budget prévisionnel n'est pas encore saisi.")
    if budget.status != BudgetStatus.VALIDATED:
        return _("Le vote suppose le budget prévisionnel validé par le service (il est « %(status)s »).") % {
            "status": budget.get_status_display()}
    return None


def _deliberation_complete(convention: Convention) -> str | None:
    if missing := deliberation_missing(convention):
        return _("Le vote suppose la délibération complète ; il manque %(missing)s.") % {"missing": ", ".join(missing)}
    return None


def _amount_positive(convention: Convention) -> str | None:
    if convention.amount_granted is None:
        return _("Le vote suppose le montant attribué connu : il n'est pas renseigné.")
    if convention.amount_granted <= 0:
        return _("Le vote suppose un montant attribué supérieur à zéro (il est de %(amount)s).") % {
            "amount": format_euros(convention.amount_granted)}
    return None


def _objectives_written(convention: Convention) -> str | None:
    if not convention.objectives_list():
        return _("Les objectifs de l'article 1 ne sont pas saisis.")
    return None


def _signatures_recorded(convention: Convention) -> str | None:
    if not (convention.beneficiary_signed_on and convention.funder_signed_on):
        return _("La signature suppose les deux dates de signature (association et collectivité).")
    if not (convention.beneficiary_signatory and convention.funder_signatory):
        return _("La signature suppose le nom des deux signataires.")
    if convention.deliberation_date and min(convention.beneficiary_signed_on, convention.funder_signed_on) < convention.deliberation_date:
        return _("Une signature ne peut pas précéder la délibération qui attribue la subvention.")
    return None


def _missing_documents(convention: Convention, kinds, statuses) -> list[str]:
    documents = {d.kind: d for d in convention.documents.all()}
    cover = vault_cover(convention, on=timezone.localdate())
    return [
        (documents[kind].get_kind_display() if kind in documents else str(_label_of(kind)))
        for kind in kinds
        if (effective_status(documents[kind], cover) if kind in documents else _vault_status(cover, kind)) not in statuses
    ]


def _vault_status(cover, kind: str) -> str:
    return cover[kind].status if kind in cover else DocumentStatus.EXPECTED


def _documents_with_vault(convention: Convention) -> list[tuple]:
    """Return each document of ``convention`` with its state once the association's vault is read."""
    documents = list(convention.documents.all())
    if not documents:
        return []
    cover = vault_cover(convention, on=timezone.localdate())
    return [(d, effective_status(d, cover)) for d in documents]


def _label_of(kind: str) -> str:
    return DocumentKind(kind).label


def _documents_before_signature(convention: Convention) -> str | None:
    missing = _missing_documents(convention, documents_owed(convention, BEFORE_SIGNATURE), DELIVERED)
    if missing:
        return _("La signature attend de l'association : %(documents)s.") % {"documents": ", ".join(missing)}
    return None


def _notification_recorded(convention: Convention) -> str | None:
    if not convention.notified_on:
        return _("Indiquez la date de notification de la convention signée à l'association.")
    return None


def _documents_given(convention: Convention) -> str | None:
    owed = [d.get_kind_display() for d, status in _documents_with_vault(convention)
            if status in (DocumentStatus.EXPECTED, DocumentStatus.REJECTED)]
    if owed:
        return _("La clôture attend de l'association les justificatifs : %(documents)s.") % {
            "documents": ", ".join(sorted(owed))}
    return None


def _documents_accepted(convention: Convention) -> str | None:
    pending = [d.get_kind_display() for d, status in _documents_with_vault(convention) if status == DocumentStatus.RECEIVED]
    if pending:
        return _("La clôture suppose chaque justificatif accepté ; reçus, à examiner : %(documents)s.") % {
            "documents": ", ".join(sorted(pending))}
    return None


def _actual_budget_deposited(convention: Convention) -> str | None:
    budget = _budget(convention, BudgetKind.ACTUAL)
    if budget is None or budget.status not in (BudgetStatus.SUBMITTED, BudgetStatus.VALIDATED):
        state = budget.get_status_display() if budget else _("non saisi")
        return _("La clôture attend le budget réalisé déposé par l'association (il est « %(status)s »).") % {
            "status": state}
    return None


def _actual_budget_validated(convention: Convention) -> str | None:
    budget = _budget(convention, BudgetKind.ACTUAL)
    if budget is not None and budget.status == BudgetStatus.SUBMITTED:
        return _("La clôture suppose le budget réalisé validé : il est déposé, à examiner.")
    return None


def _year_reports(convention: Convention) -> list:
    return [r for r in convention.indicator_reports.all() if r.year == convention.fiscal_year]


def _indicators_sent(convention: Convention) -> str | None:
    unsent = [r for r in _year_reports(convention) if r.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)]
    if unsent:
        return _("La clôture attend le bilan des indicateurs %(year)s de l'association (il est « %(status)s »).") % {
            "year": convention.fiscal_year, "status": unsent[0].get_status_display()}
    return None


def _indicators_validated(convention: Convention) -> str | None:
    if any(r.status == ReportStatus.SUBMITTED for r in _year_reports(convention)):
        return _("La clôture suppose le bilan des indicateurs %(year)s validé : il est transmis, à examiner.") % {
            "year": convention.fiscal_year}
    return None


def _balance_settled(convention: Convention) -> str | None:
    money = schedule(convention)
    if money.final is None:
        return _("La clôture suppose le montant final connu (budget réalisé validé).")
    if convention.payment_requests.exclude(status__in=[PaymentStatus.PAID, PaymentStatus.REJECTED]).exists():
        return _("Une demande de versement est encore en cours de traitement.")
    if money.remaining != 0:
        if money.remaining > 0:
            return _("La clôture suppose le solde versé ; il reste %(amount)s à verser.") % {
                "amount": format_euros(money.remaining)}
        return _("La clôture suppose le reversement émis ; %(amount)s ont été versés en trop.") % {
            "amount": format_euros(-money.remaining)}
    return None


def _formal_notice_expired(convention: Convention) -> str | None:
    if not convention.formal_notice_on:
        return _("La résiliation suppose une mise en demeure préalable (art. 8) : indiquez sa date.")
    if date.today() < add_months(convention.formal_notice_on, 1):
        return _("La résiliation n'est possible qu'un mois après la mise en demeure (le %(day)s).") % {
            "day": add_months(convention.formal_notice_on, 1).strftime("%d/%m/%Y")
        }
    return None


R = Requirement
FORECAST_DEPOSITED = R("forecast_deposited", gettext_lazy("Budget prévisionnel déposé"), _forecast_deposited,
                       party=ASSOCIATION, portal_item="budget")
# Not waivable: the vote records the deliberation; recorded with a placeholder, it records nothing.
DELIBERATION_COMPLETE = R("deliberation_complete", gettext_lazy("Délibération complète (instance, numéro, date)"),
                          _deliberation_complete, waivable=False)
AMOUNT_POSITIVE = R("amount_positive", gettext_lazy("Montant attribué supérieur à zéro"), _amount_positive,
                    waivable=False)
FORECAST_VALIDATED = R("forecast_validated", gettext_lazy("Budget prévisionnel validé"), _forecast_validated)
OBJECTIVES_WRITTEN = R("objectives_written", gettext_lazy("Objectifs de l'article 1 saisis"), _objectives_written)
SIGNATURES_RECORDED = R("signatures_recorded", gettext_lazy("Signatures des deux parties enregistrées"),
                        _signatures_recorded, waivable=False)
DOCUMENTS_BEFORE_SIGNATURE = R("documents_before_signature", gettext_lazy("Pièces dues avant la signature reçues"),
                               _documents_before_signature, party=ASSOCIATION, portal_item="document")
NOTIFICATION_RECORDED = R("notification_recorded", gettext_lazy("Date de notification indiquée"),
                          _notification_recorded, waivable=False)
DOCUMENTS_GIVEN = R("documents_given", gettext_lazy("Justificatifs déposés"), _documents_given,
                    party=ASSOCIATION, portal_item="document")
DOCUMENTS_ACCEPTED = R("documents_accepted", gettext_lazy("Justificatifs acceptés"), _documents_accepted)
ACTUAL_BUDGET_DEPOSITED = R("actual_budget_deposited", gettext_lazy("Budget réalisé déposé"),
                            _actual_budget_deposited, party=ASSOCIATION, portal_item="budget")
ACTUAL_BUDGET_VALIDATED = R("actual_budget_validated", gettext_lazy("Budget réalisé validé"), _actual_budget_validated)
INDICATORS_SENT = R("indicators_sent", gettext_lazy("Bilan des indicateurs transmis"), _indicators_sent,
                    party=ASSOCIATION, portal_item="indicators")
INDICATORS_VALIDATED = R("indicators_validated", gettext_lazy("Bilan des indicateurs validé"), _indicators_validated)
BALANCE_SETTLED = R("balance_settled", gettext_lazy("Solde versé ou reversement émis"), _balance_settled)
FORMAL_NOTICE_EXPIRED = R("formal_notice_expired", gettext_lazy("Mise en demeure restée sans effet un mois"),
                          _formal_notice_expired, waivable=False)

#: For each transition of ``dossier.lifecycle.TRANSITIONS``: what must be true before it.
REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "submit": (FORECAST_DEPOSITED,),
    "vote": (DELIBERATION_COMPLETE, AMOUNT_POSITIVE, FORECAST_VALIDATED, OBJECTIVES_WRITTEN),
    "sign": (SIGNATURES_RECORDED, DOCUMENTS_BEFORE_SIGNATURE),
    "activate": (NOTIFICATION_RECORDED,),
    "close": (DOCUMENTS_GIVEN, DOCUMENTS_ACCEPTED, ACTUAL_BUDGET_DEPOSITED, ACTUAL_BUDGET_VALIDATED,
              INDICATORS_SENT, INDICATORS_VALIDATED, BALANCE_SETTLED),
    "terminate": (FORMAL_NOTICE_EXPIRED,),
}

BY_CODE = {r.code: r for requirements in REQUIREMENTS.values() for r in requirements}

#: The next step of the main path from each state, whose requirements the association is shown.
NEXT_STEP = {Status.DRAFT: "submit", Status.VOTED: "sign", Status.JUSTIFICATION: "close"}

#: What ``association_requirements`` needs prefetched on each agreement.
ASSOCIATION_PREFETCH = ("budgets", "documents", "indicator_reports", "requirement_waivers")


def association_requirements(convention: Convention) -> list[RequirementState]:
    """Return the association's unmet, unwaived requirements of the agreement's next step."""
    transition = NEXT_STEP.get(convention.status)
    if transition is None:
        return []
    return [state for state in requirement_states(convention, transition, party=ASSOCIATION) if state.blocking]


def requirement_states(convention: Convention, transition: str, *, party: str | None = None) -> list[RequirementState]:
    """Return each requirement of ``transition`` for ``convention``: met, unmet with why, or waived.

    With ``party``, only the requirements that party meets. The association's requirements read
    only the agreement's budgets, documents, indicator reports and waivers: prefetched, they cost
    no query (the portal's home, ``dossier.portal_home``).
    """
    requirements = REQUIREMENTS.get(transition, ())
    if not requirements:
        return []
    waivers = {w.requirement: w for w in convention.requirement_waivers.all() if w.transition == transition}
    states = []
    for requirement in requirements:
        if party is not None and requirement.party != party:
            continue
        reason = requirement.check(convention)
        waiver = waivers.get(requirement.code) if reason and requirement.waivable else None
        states.append(RequirementState(requirement, reason, waiver))
    return states


def blocking_reasons(convention: Convention, transition: str) -> list[str]:
    """Return the reasons of the unmet, unwaived requirements of ``transition`` (empty when it may go)."""
    return [state.reason for state in requirement_states(convention, transition) if state.blocking]
