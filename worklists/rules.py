"""What waits for each person on the staff home: one function per list, each returning a queryset.

A list holds the rows the signed-in person may act on now, and only those: the permission of
the service that acts (``budgets.services.REVIEW_PERMISSION``…, the payment steps of
``finance.steps``), the state the row waits in, and the segregation of duties
(``beneficiaries.duties.without_conflicts``, the queryset form of ``review_conflict``): what they
deposited, or what belongs to an association they are a member of, is not theirs to approve.

« En retard » reads the due dates already recorded (a document's ``due_on``, an indicator
report's ``due_on``); a list whose rows have none has no overdue part. The admin's changelists
filter on the same functions (``worklists.admin``), so a count on the home is the number of
rows of the list it links to.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beneficiaries.duties import without_conflicts
from budgets.models import Budget, BudgetStatus
from budgets.services import REVIEW_PERMISSION as BUDGET_REVIEW_PERMISSION
from campaigns.models import Application, ApplicationStatus
from campaigns.services import INSTRUCT_PERMISSION
from conventions.models import Convention, Status
from core.money import format_euros
from documents.models import Document, DocumentStatus
from dossier.lifecycle import STAFF, TRANSITIONS
from finance.models import PaymentRequest
from finance.rules import requested_total
from finance.steps import (
    APPROVE_AS_FINANCE,
    APPROVE_AS_STAFF,
    MARK_PAID,
    PAYMENT_STEPS,
    may_take_step,
)
from indicators.models import IndicatorReport, IndicatorSubmission, ReportStatus

DOCUMENT_REVIEW_PERMISSION = "documents.change_document"
REPORT_REVIEW_PERMISSION = "indicators.change_indicatorreport"
AGREEMENT_PERMISSION = "conventions.change_convention"

#: The states in which an agreement waits for its instructing service's next step (start the
#: instruction, record the vote, the signatures, the notification, the closing): the sources of
#: the staff's transitions of the main path. A draft waits for the association's deposit, an
#: active agreement for its year to run.
AGREEMENT_STAFF_STEPS = ("start_review", "vote", "sign", "activate", "close")
AGREEMENT_WAITING_STATES = tuple(
    state for state in Status
    if any(state in TRANSITIONS[name].sources and STAFF in TRANSITIONS[name].actors for name in AGREEMENT_STAFF_STEPS)
)


def budgets_to_validate(user) -> QuerySet:
    """Budgets deposited by an association, waiting for the service's validation."""
    if not user.has_perm(BUDGET_REVIEW_PERMISSION):
        return Budget.objects.none()
    return without_conflicts(Budget.objects.filter(status=BudgetStatus.SUBMITTED), user,
                             beneficiary=("convention__beneficiary", "application__beneficiary"),
                             submitted_by="submitted_by")


def documents_to_review(user) -> QuerySet:
    """Documents received from an association, to accept or refuse."""
    if not user.has_perm(DOCUMENT_REVIEW_PERMISSION):
        return Document.objects.none()
    return without_conflicts(Document.objects.filter(status=DocumentStatus.RECEIVED), user,
                             beneficiary="convention__beneficiary", submitted_by="uploaded_by")


def reports_to_validate(user) -> QuerySet:
    """Indicator reports sent by an association, to validate or return (who sent the last submission may not)."""
    if not user.has_perm(REPORT_REVIEW_PERMISSION):
        return IndicatorReport.objects.none()
    last_sender = IndicatorSubmission.objects.filter(report=OuterRef("pk")).order_by("-number").values("submitted_by")[:1]
    reports = IndicatorReport.objects.filter(status=ReportStatus.SUBMITTED).annotate(last_sender=Subquery(last_sender))
    return without_conflicts(reports, user, beneficiary="convention__beneficiary", submitted_by="last_sender")


def _payments_at(user, step_names) -> QuerySet:
    steps = [PAYMENT_STEPS[name] for name in step_names if may_take_step(user, PAYMENT_STEPS[name])]
    if not steps:
        return PaymentRequest.objects.none()
    states = set().union(*(step.sources for step in steps))
    return without_conflicts(PaymentRequest.objects.filter(status__in=states), user,
                             beneficiary="convention__beneficiary", submitted_by="submitted_by")


def payments_to_validate(user) -> QuerySet:
    """Payment requests waiting for the validation this person's service gives (instructing service, finance)."""
    return _payments_at(user, (APPROVE_AS_STAFF, APPROVE_AS_FINANCE))


def payments_to_pay(user) -> QuerySet:
    """Payment requests validated by finance, waiting for their payment order (mandatement)."""
    return _payments_at(user, (MARK_PAID,))


def applications_to_instruct(user) -> QuerySet:
    """Applications deposited or in instruction, assigned to this agent or to nobody yet.

    The model knows no service or directorate per agent: every instructing agent reaches every
    application nobody was assigned yet.
    """
    if not user.has_perm(INSTRUCT_PERMISSION):
        return Application.objects.none()
    applications = Application.objects.filter(
        Q(assigned_to=user) | Q(assigned_to__isnull=True),
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_INSTRUCTION],
    )
    return without_conflicts(applications, user, beneficiary="beneficiary", submitted_by="submitted_by")


def agreements_to_follow(user) -> QuerySet:
    """Agreements this agent instructs, waiting for a step of the service.

    Its « agent instructeur » (``Convention.instructing_agent``, the contact the portal names) when
    one is named; otherwise the agent its application was assigned to
    (``campaigns.Application.assigned_to``), or who created it (the first record of its history).
    """
    if not user.has_perm(AGREEMENT_PERMISSION):
        return Convention.objects.none()
    created = Convention.history.filter(history_type="+", history_user=user).values("id")
    unnamed = Q(instructing_agent__isnull=True) & (Q(application__assigned_to=user) | Q(pk__in=created))
    agreements = Convention.objects.filter(Q(instructing_agent=user) | unnamed, status__in=AGREEMENT_WAITING_STATES)
    return without_conflicts(agreements, user, beneficiary="beneficiary")


def _past_due(today: date) -> Q:
    """The rows whose recorded due date (``due_on``) has passed."""
    return Q(due_on__lt=today)


@dataclass(frozen=True)
class Worklist:
    code: str
    label: str
    model: type
    rows: Callable[..., QuerySet]
    #: The condition of the overdue rows, or None when the rows have no due date.
    overdue: Callable[[date], Q] | None = None
    #: Whether the list shows the total of the payment requests' amounts.
    amounts: bool = False


WORKLISTS = (
    Worklist("budgets", _("Budgets déposés, à valider"), Budget, budgets_to_validate),
    Worklist("justificatifs", _("Justificatifs reçus, à examiner"), Document, documents_to_review, overdue=_past_due),
    Worklist("indicateurs", _("Rapports d’indicateurs transmis, à valider"), IndicatorReport, reports_to_validate,
             overdue=_past_due),
    Worklist("versements-a-valider", _("Demandes de versement à valider"), PaymentRequest, payments_to_validate,
             amounts=True),
    Worklist("versements-a-mandater", _("Demandes de versement à mandater"), PaymentRequest, payments_to_pay,
             amounts=True),
    Worklist("candidatures", _("Candidatures à instruire"), Application, applications_to_instruct),
    Worklist("conventions", _("Conventions que j’instruis, en attente du service"), Convention, agreements_to_follow),
)
BY_CODE = {worklist.code: worklist for worklist in WORKLISTS}

#: The changelists' « à traiter par moi » filter: its parameter, and the suffix of a list's overdue rows.
FILTER_PARAMETER = "pour_moi"
OVERDUE_SUFFIX = "-en-retard"


def filtered_rows(code: str, user, *, today: date) -> QuerySet:
    """Return the rows of the list named ``code`` (``<code>-en-retard``: its overdue rows only)."""
    late = code.endswith(OVERDUE_SUFFIX)
    worklist = BY_CODE[code.removesuffix(OVERDUE_SUFFIX)]
    rows = worklist.rows(user)
    return rows.filter(worklist.overdue(today)) if late and worklist.overdue else rows


@dataclass(frozen=True)
class Counted:
    """One list on the home: how many rows wait, how many are overdue, their total amount, where they are."""

    worklist: Worklist
    count: int
    overdue: int
    url: str
    overdue_url: str
    amount: Decimal | None = None

    @property
    def amount_shown(self) -> str:
        return format_euros(self.amount) if self.amount is not None else ""


def changelist_url(worklist: Worklist, *, overdue: bool = False) -> str:
    """Return the admin list of the model filtered to exactly the rows of ``worklist`` (or its overdue ones)."""
    opts = worklist.model._meta
    value = worklist.code + (OVERDUE_SUFFIX if overdue else "")
    return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{FILTER_PARAMETER}={value}"


def worklists_for(user, *, today: date) -> list[Counted]:
    """Return the lists that hold something for ``user``, those with overdue rows first (one or two queries each)."""
    counted = []
    for worklist in WORKLISTS:
        rows = worklist.rows(user)
        if worklist.overdue:
            totals = rows.aggregate(count=Count("pk"), overdue=Count("pk", filter=worklist.overdue(today)))
        else:
            totals = {"count": rows.count(), "overdue": 0}
        if not totals["count"]:
            continue
        counted.append(Counted(
            worklist, totals["count"], totals["overdue"], changelist_url(worklist),
            changelist_url(worklist, overdue=True), requested_total(rows) if worklist.amounts else None,
        ))
    return sorted(counted, key=lambda c: c.overdue == 0)
