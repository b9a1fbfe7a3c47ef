"""What the association is expected to do next: the list on the portal's home page.

``expected_items(beneficiary)`` gathers items from every provider in ``ITEM_PROVIDERS`` and
sorts them: overdue first, then by due date, undated last. To add a kind of item (payment
requests, …), write a provider ``(conventions, today) -> list[ExpectedItem]`` and append it
to ``ITEM_PROVIDERS``. Each provider runs one query, whatever the number of agreements.
"""

from dataclasses import dataclass, replace
from datetime import date

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.services import budget_editable_by_association, budget_portal_path
from conventions.models import Convention, Status
from core.deadlines import justification_due_date
from documents.models import Document, DocumentStatus
from documents.obligations import BEFORE_SIGNATURE, ON_SIGNATURE
from documents.vault import exclude_vault_covered, papers_in_force
from dossier.requirements import ASSOCIATION_PREFETCH, association_requirements
from finance.models import PaymentKind
from finance.rules import ADVANCE_STATES, BALANCE_STATES, request_refusals_for
from indicators.models import IndicatorReport, ReportStatus

#: Agreements that expect nothing more from the association.
FINISHED_STATES = (Status.CLOSED, Status.REFUSED, Status.CANCELLED)

#: Portal page of each kind of item (its URL takes the agreement's ``convention_pk``).
ITEM_URL_NAMES = {
    "document": "portal_conventions:documents",
    "budget": "portal_budgets:overview",
    "indicators": "portal_indicators:report_list",
    "payment": "portal_conventions:payments",
}


@dataclass(frozen=True)
class ExpectedItem:
    """One thing the association has to do for one agreement."""

    convention: Convention
    category: str
    label: str
    action: str
    due_on: date | None = None
    overdue: bool = False
    detail: str = ""
    url: str = ""

    def sort_key(self):
        return (not self.overdue, self.due_on is None, self.due_on or date.max, self.convention.reference, self.label)


def item_url(category: str, convention: Convention) -> str:
    """Return the portal page where ``category`` items of ``convention`` are handled, or ""."""
    name = ITEM_URL_NAMES.get(category)
    if not name:
        return ""
    try:
        return reverse(name, kwargs={"convention_pk": convention.pk})
    except NoReverseMatch:
        return ""


def _item(convention, category, label, action, due_on, today, detail=""):
    return ExpectedItem(
        convention=convention, category=category, label=label, action=action, due_on=due_on,
        overdue=due_on is not None and due_on < today, detail=detail, url=item_url(category, convention),
    )


def document_items(conventions: dict[int, Convention], today: date) -> list[ExpectedItem]:
    """Documents still to upload: expected ones, and rejected ones to send again."""
    documents = exclude_vault_covered(Document.objects.filter(
        convention__in=conventions, status__in=[DocumentStatus.EXPECTED, DocumentStatus.REJECTED]
    ), on=today)  # a valid paper of the association's vault is not asked again
    items = []
    for document in documents:
        rejected = document.status == DocumentStatus.REJECTED
        action = _("Refusé : à déposer de nouveau") if rejected else _("À déposer")
        detail = document.rejection_reason if rejected else ""
        if not detail and document.due_on is None and document.kind in BEFORE_SIGNATURE:
            detail = _("À fournir avant la signature de la convention : la signature l'attend.")
        elif not detail and document.due_on is None and document.kind in ON_SIGNATURE:
            detail = _("Dû à la signature de la convention.")
        label = document.get_kind_display()
        if document.year is not None:  # a yearly document of a multi-year agreement
            label = f"{label} {document.year}"
        items.append(_item(conventions[document.convention_id], "document", label, action,
                           document.due_on, today, detail=detail))
    return items


def budget_items(conventions: dict[int, Convention], today: date) -> list[ExpectedItem]:
    """Budgets to complete: drafts, and budgets returned by the agent. The actual budget is
    due with the other justification documents."""
    budgets = Budget.objects.filter(
        convention__in=conventions, status__in=[BudgetStatus.DRAFT, BudgetStatus.RETURNED]
    )
    items = []
    for budget in budgets:
        convention = budget.convention = conventions[budget.convention_id]
        if not budget_editable_by_association(budget):
            continue  # e.g. the forecast of a signed agreement: read-only, nothing to complete
        returned = budget.status == BudgetStatus.RETURNED
        action = _("Renvoyé pour correction : à compléter") if returned else _("À compléter")
        due_on = justification_due_date(convention, budget.year) if budget.kind == BudgetKind.ACTUAL else None
        label = budget.get_kind_display()
        item = _item(convention, "budget", label if budget.year is None else f"{label} {budget.year}", action,
                     due_on, today, detail=budget.review_comment if returned else "")
        if budget.year is not None:  # one year of a multi-year agreement: straight to that year's budget
            item = replace(item, url=budget_portal_path(budget))
        items.append(item)
    return items


def indicator_items(conventions: dict[int, Convention], today: date) -> list[ExpectedItem]:
    """Indicator reports to fill in: drafts, and reports returned by the agent."""
    reports = IndicatorReport.objects.filter(
        convention__in=conventions, status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED]
    )
    items = []
    for report in reports:
        returned = report.status == ReportStatus.RETURNED
        action = _("Renvoyés pour correction : à compléter") if returned else _("À remplir")
        label = _("Indicateurs %(period)s") % {"period": report.period_label or report.year}
        items.append(_item(conventions[report.convention_id], "indicators", label, action, report.due_on, today,
                           detail=report.review_comment if returned else ""))
    return items


def payment_items(conventions: dict[int, Convention], today: date) -> list[ExpectedItem]:
    """Payments the association may request now: those the payments page offers (``finance.rules``)."""
    candidates = [c for c in conventions.values() if c.status in ADVANCE_STATES or c.status in BALANCE_STATES]
    if not candidates:
        return []
    refusals = request_refusals_for(candidates)
    items = []
    for convention in candidates:
        if refusals[(convention.pk, PaymentKind.ADVANCE)] is None:
            items.append(_item(convention, "payment", _("Acompte"), _("Peut être demandé"), None, today))
        if refusals[(convention.pk, PaymentKind.BALANCE)] is None:
            items.append(_item(convention, "payment", _("Solde"), _("Peut être demandé"),
                               justification_due_date(convention), today))
    return items


ITEM_PROVIDERS = [document_items, budget_items, indicator_items, payment_items]


def requirement_items(conventions: dict[int, Convention], items: list[ExpectedItem], today: date) -> list[ExpectedItem]:
    """What the next step of each agreement waits for from the association (``dossier.requirements``),
    when no item above already says it: e.g. the actual budget not entered yet, which closing needs."""
    covered = {(item.convention.pk, item.category) for item in items}
    extra = []
    for convention in conventions.values():
        for state in association_requirements(convention):
            category = state.requirement.portal_item
            if (convention.pk, category) in covered:
                continue
            extra.append(_item(convention, category, str(state.requirement.label), _("Attendu pour avancer"),
                               justification_due_date(convention) if convention.status == Status.JUSTIFICATION else None,
                               today, detail=state.reason))
    return extra


def expected_items(beneficiary: Beneficiary, *, today: date | None = None) -> list[ExpectedItem]:
    """Return what ``beneficiary`` is expected to do for its open agreements, overdue first."""
    today = today or timezone.localdate()
    conventions = {
        c.pk: c for c in Convention.objects.filter(beneficiary=beneficiary).exclude(status__in=FINISHED_STATES)
        .prefetch_related(*ASSOCIATION_PREFETCH)
    }
    if not conventions:
        return []
    in_force = papers_in_force([beneficiary.pk], on=today)  # read by each agreement's requirements
    for convention in conventions.values():
        convention.beneficiary = beneficiary
        convention.vault_in_force = in_force
    items = [item for provider in ITEM_PROVIDERS for item in provider(conventions, today)]
    items += requirement_items(conventions, items, today)
    return sorted(items, key=ExpectedItem.sort_key)
