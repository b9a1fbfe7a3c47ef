"""The agreement's lifecycle as data: states, allowed transitions, who may do them and when.

``TRANSITIONS`` is the pipeline (DOMAIN.md §3). Each transition has one entry point in
``conventions.services`` (``convention_submit``, ``convention_vote``…), which calls
``transition_refusal`` before anything changes and records a ``StatusChange``. The admin asks
``available_transitions`` to show each user what they may do, and why not otherwise.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Membership
from budgets.models import BudgetKind
from budgets.rules import balance_message, budget_totals
from conventions.models import Convention, Status
from core.deadlines import add_months
from finance.rules import schedule

STAFF = "staff"
MEMBER = "member"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    actors: frozenset
    guard: Callable[[Convention], str | None] | None = None
    needs_comment: bool = False


def _forecast_budget_ready(convention: Convention) -> str | None:

    budget = convention.budgets.filter(kind=BudgetKind.FORECAST).first()
    if budget is None or not budget.lines.exists():
        return _("Le budget prévisionnel n'est pas encore saisi.")
    return balance_message(budget_totals(budget))


def _deliberation_recorded(convention: Convention) -> str | None:
    missing = []
    if not convention.deliberation_body:
        missing.append(_("l'instance"))
    if not convention.deliberation_number:
        missing.append(_("le numéro"))
    if not convention.deliberation_date:
        missing.append(_("la date"))
    if missing:
        return _("Le vote suppose la délibération complète ; il manque %(missing)s.") % {"missing": ", ".join(missing)}
    return None


def _signatures_recorded(convention: Convention) -> str | None:
    if not (convention.beneficiary_signed_on and convention.funder_signed_on):
        return _("La signature suppose les deux dates de signature (association et collectivité).")
    if not (convention.beneficiary_signatory and convention.funder_signatory):
        return _("La signature suppose le nom des deux signataires.")
    if convention.deliberation_date and min(convention.beneficiary_signed_on, convention.funder_signed_on) < convention.deliberation_date:
        return _("Une signature ne peut pas précéder la délibération qui attribue la subvention.")
    return None


def _notification_recorded(convention: Convention) -> str | None:
    if not convention.notified_on:
        return _("Indiquez la date de notification de la convention signée à l'association.")
    return None


def _closing_balanced(convention: Convention) -> str | None:

    money = schedule(convention)
    if money.final is None:
        return _("La clôture suppose le budget réalisé validé.")
    if convention.payment_requests.exclude(status__in=["paid", "rejected"]).exists():
        return _("Une demande de versement est encore en cours de traitement.")
    if money.paid - money.recovered != money.final:
        return _("La clôture suppose que les versements, déduction faite des reversements, égalent le montant final.")
    return None


def _formal_notice_expired(convention: Convention) -> str | None:
    if not convention.formal_notice_on:
        return _("La résiliation suppose une mise en demeure préalable (art. 8) : indiquez sa date.")
    if date.today() < add_months(convention.formal_notice_on, 1):
        return _("La résiliation n'est possible qu'un mois après la mise en demeure (le %(day)s).") % {
            "day": add_months(convention.formal_notice_on, 1).strftime("%d/%m/%Y")
        }
    return None


S = Status
TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", gettext_lazy("Déposer le dossier"), frozenset({S.DRAFT}), S.SUBMITTED,
                   frozenset({STAFF, MEMBER}), _forecast_budget_ready),
        Transition("start_review", gettext_lazy("Commencer l'instruction"), frozenset({S.SUBMITTED}), S.IN_REVIEW,
                   frozenset({STAFF})),
        Transition("return_to_draft", gettext_lazy("Renvoyer à l'association"), frozenset({S.SUBMITTED, S.IN_REVIEW}),
                   S.DRAFT, frozenset({STAFF}), needs_comment=True),
        Transition("vote", gettext_lazy("Enregistrer le vote"), frozenset({S.IN_REVIEW}), S.VOTED,
                   frozenset({STAFF}), _deliberation_recorded),
        Transition("sign", gettext_lazy("Enregistrer les signatures"), frozenset({S.VOTED}), S.SIGNED,
                   frozenset({STAFF}), _signatures_recorded),
        Transition("activate", gettext_lazy("Notifier la convention"), frozenset({S.SIGNED}), S.ACTIVE,
                   frozenset({STAFF}), _notification_recorded),
        Transition("request_justification", gettext_lazy("Ouvrir la justification"), frozenset({S.ACTIVE}),
                   S.JUSTIFICATION, frozenset({STAFF})),
        Transition("close", gettext_lazy("Solder et clôturer"), frozenset({S.JUSTIFICATION}), S.CLOSED,
                   frozenset({STAFF}), _closing_balanced),
        Transition("refuse", gettext_lazy("Refuser la demande"), frozenset({S.SUBMITTED, S.IN_REVIEW}), S.REFUSED,
                   frozenset({STAFF}), needs_comment=True),
        Transition("cancel", gettext_lazy("Annuler la convention"),
                   frozenset({S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.VOTED}), S.CANCELLED, frozenset({STAFF}),
                   needs_comment=True),
        Transition("terminate", gettext_lazy("Résilier (art. 8)"), frozenset({S.SIGNED, S.ACTIVE, S.JUSTIFICATION}),
                   S.TERMINATED, frozenset({STAFF}), _formal_notice_expired, needs_comment=True),
    ]
}


def actor_of(user, convention: Convention) -> str | None:
    """Return whether ``user`` acts on ``convention`` as staff, as a member of its association, or not at all."""
    if not user.is_authenticated:
        return None
    if user.is_staff and user.has_perm("conventions.change_convention"):
        return STAFF
    if Membership.objects.filter(user=user, beneficiary_id=convention.beneficiary_id, is_active=True).exists():
        return MEMBER
    return None


def transition_refusal(convention: Convention, name: str, user, comment: str = "") -> str | None:
    """Return why ``user`` may not apply transition ``name`` now, or None when allowed."""
    transition = TRANSITIONS[name]
    if convention.status not in transition.sources:
        return _("Impossible de « %(action)s » : la convention est à l'état « %(status)s ».") % {
            "action": str(transition.label).lower(), "status": convention.get_status_display(),
        }
    if actor_of(user, convention) not in transition.actors:
        return _("Vous n'avez pas le droit de « %(action)s ».") % {"action": str(transition.label).lower()}
    if transition.guard is not None and (reason := transition.guard(convention)):
        return reason
    if transition.needs_comment and not comment.strip():
        return _("Un commentaire est obligatoire pour « %(action)s ».") % {"action": str(transition.label).lower()}
    return None


def available_transitions(convention: Convention, user) -> list[tuple[Transition, str | None]]:
    """Return the transitions leaving the current state, each with the reason it is refused (or None)."""
    result = []
    for transition in TRANSITIONS.values():
        if convention.status not in transition.sources:
            continue
        reason = transition_refusal(convention, transition.name, user, comment="-")
        result.append((transition, reason))
    return result
