"""The steps of a payment request as data: from which states, to which state, who, with what.

``PAYMENT_STEPS`` is the pipeline of a ``PaymentRequest`` (submitted → staff_approved →
finance_approved → paid, and rejected from any state before paid), written like the
agreement's lifecycle (``dossier.lifecycle.TRANSITIONS``). The association's request creates
the request in state « Déposée » (``finance.services.payment_request_create``); every later
step goes through one entry point, ``finance.services.payment_request_take_step``, which reads
its entry here. The admin's buttons and step pages read the same entries
(``available_steps``, ``may_take_step``): none decides on its own.

The approving steps are ``independent``: nobody takes them on a request they deposited, nor on
one of an association they belong to (``beneficiaries.duties.review_conflict``). Rejecting is
not approving: it stays open to them, and someone else must still approve a new request.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from beneficiaries.duties import review_conflict
from conventions.notifications import association_recipients, finance_recipients
from finance.models import PaymentRequest, PaymentStatus
from finance.rules import overpayment_refusal

S = PaymentStatus


@dataclass(frozen=True)
class Notice:
    """The email a step sends, once per request: its key prefix, who receives it, its template."""

    key: str
    recipients: Callable
    template: str


@dataclass(frozen=True)
class PaymentStep:
    name: str
    #: The French label of the step's button and page title.
    label: str
    #: Its slug in the admin's URLs (kept stable: bookmarks and tests use it).
    slug: str
    sources: frozenset
    target: str
    #: Any one of these permissions lets a user take the step.
    permissions: tuple[str, ...]
    #: What the user reads when none of ``permissions`` is theirs.
    permission_refusal: str
    #: What the user reads when the request is not in one of ``sources`` (``%(s)s``: its state).
    state_refusal: str
    #: What the user reads when the step was already taken (``%(n)s``: the payment order number).
    already_done: str | None = None
    #: The inputs the step needs, each with the request's field that stores it.
    inputs: tuple[tuple[str, str], ...] = ()
    #: What the user reads when one of ``inputs`` is empty.
    missing_inputs: str = ""
    guard: Callable[[PaymentRequest], str | None] | None = None
    notice: Notice | None = None
    #: An approval: refused to whoever deposited the request or belongs to its association.
    independent: bool = False

    @property
    def reason(self) -> str:
        """Return the reason recorded in the request's history: the label of the state reached."""
        return S(self.target).label


APPROVE_AS_STAFF = "approve_as_staff"
APPROVE_AS_FINANCE = "approve_as_finance"
MARK_PAID = "mark_paid"
REJECT = "reject"

PAYMENT_STEPS = {
    step.name: step
    for step in [
        PaymentStep(
            APPROVE_AS_STAFF, _("Valider (service instructeur)"), "valider-instructeur",
            frozenset({S.SUBMITTED}), S.STAFF_APPROVED, ("finance.approve_as_staff",),
            permission_refusal=_("Seul le service instructeur peut valider une demande à ce stade."),
            state_refusal=_("Cette demande n'attend pas la validation du service instructeur (état : %(s)s)."),
            notice=Notice("payment-staff-approved", finance_recipients, "payment_staff_approved"),
            independent=True,
        ),
        PaymentStep(
            APPROVE_AS_FINANCE, _("Valider (finances)"), "valider-finances",
            frozenset({S.STAFF_APPROVED}), S.FINANCE_APPROVED, ("finance.approve_as_finance",),
            permission_refusal=_("Seul le service des finances peut valider une demande à ce stade."),
            state_refusal=_("Cette demande doit d'abord être validée par le service instructeur (état : %(s)s)."),
            inputs=(("commitment_number", "commitment_number"), ("budget_imputation", "budget_imputation")),
            missing_inputs=_("Le numéro d'engagement et l'imputation budgétaire sont obligatoires."),
            independent=True,
        ),
        PaymentStep(
            MARK_PAID, _("Enregistrer le mandatement"), "mandater",
            frozenset({S.FINANCE_APPROVED}), S.PAID, ("finance.mark_paid",),
            permission_refusal=_("Seul le service des finances peut enregistrer un mandatement."),
            state_refusal=_("Cette demande doit être validée par les finances avant son mandatement (état : %(s)s)."),
            already_done=_("Ce versement a déjà été mandaté (mandat n° %(n)s)."),
            inputs=(("payment_order_number", "payment_order_number"), ("paid_on", "paid_on")),
            missing_inputs=_("Le numéro de mandat et la date de mandatement sont obligatoires."),
            guard=overpayment_refusal,
            notice=Notice("payment-paid", association_recipients, "payment_paid"),
            independent=True,
        ),
        PaymentStep(
            REJECT, _("Rejeter la demande"), "rejeter",
            frozenset({S.SUBMITTED, S.STAFF_APPROVED, S.FINANCE_APPROVED}), S.REJECTED,
            ("finance.approve_as_staff", "finance.approve_as_finance"),
            permission_refusal=_("Vous n'avez pas le droit de rejeter une demande de versement."),
            state_refusal=_("Une demande mandatée ou déjà rejetée ne peut plus être rejetée."),
            inputs=(("reason", "rejection_reason"),),
            missing_inputs=_("Le motif du rejet est obligatoire."),
        ),
    ]
}
STEPS_BY_SLUG = {step.slug: step for step in PAYMENT_STEPS.values()}


def may_take_step(user, step: PaymentStep) -> bool:
    """Return whether ``user`` holds one of the permissions of ``step`` (its entry point checks again)."""
    return any(user.has_perm(permission) for permission in step.permissions)


def conflict_refusal(user, request: PaymentRequest) -> str | None:
    """Return why ``user`` may not approve ``request`` (they deposited it, or belong to its association)."""
    return review_conflict(user, beneficiary=request.convention.beneficiary, submitted_by=request.submitted_by,
                           what=_("cette demande de versement"))


def step_choices(user, request: PaymentRequest) -> list[tuple[PaymentStep, str | None]]:
    """Return the steps leaving the request's state that ``user`` holds a permission for, in the
    pipeline's order, each with why ``user`` may not take it on this request (None: they may)."""
    steps = [step for step in PAYMENT_STEPS.values() if request.status in step.sources and may_take_step(user, step)]
    conflict = conflict_refusal(user, request) if any(step.independent for step in steps) else None
    return [(step, conflict if step.independent else None) for step in steps]


def available_steps(user, request: PaymentRequest) -> list[PaymentStep]:
    """Return the steps ``user`` may take now on ``request``, in the pipeline's order."""
    return [step for step, refusal in step_choices(user, request) if refusal is None]
