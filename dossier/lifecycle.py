"""The agreement's lifecycle as data: states, allowed transitions, who may do them and when.

``TRANSITIONS`` is the pipeline (DOMAIN.md §3). Each transition has one entry point in
``conventions.services`` (``convention_submit``, ``convention_vote``…), which calls
``transition_refusal`` before anything changes and records a ``StatusChange``. The admin asks
``available_transitions`` to show each user what they may do, and why not otherwise.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.duties import review_conflict
from beneficiaries.models import Membership
from conventions.models import Convention, Status
from dossier.requirements import blocking_reasons, requirement_states

STAFF = "staff"
MEMBER = "member"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    actors: frozenset
    needs_comment: bool = False


S = Status
TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", gettext_lazy("Déposer le dossier"), frozenset({S.DRAFT}), S.SUBMITTED,
                   frozenset({STAFF, MEMBER})),
        Transition("start_review", gettext_lazy("Commencer l'instruction"), frozenset({S.SUBMITTED}), S.IN_REVIEW,
                   frozenset({STAFF})),
        Transition("return_to_draft", gettext_lazy("Renvoyer à l'association"), frozenset({S.SUBMITTED, S.IN_REVIEW}),
                   S.DRAFT, frozenset({STAFF}), needs_comment=True),
        Transition("vote", gettext_lazy("Enregistrer le vote"), frozenset({S.IN_REVIEW}), S.VOTED,
                   frozenset({STAFF})),
        Transition("sign", gettext_lazy("Enregistrer les signatures"), frozenset({S.VOTED}), S.SIGNED,
                   frozenset({STAFF})),
        Transition("activate", gettext_lazy("Notifier la convention"), frozenset({S.SIGNED}), S.ACTIVE,
                   frozenset({STAFF})),
        Transition("request_justification", gettext_lazy("Ouvrir la justification"), frozenset({S.ACTIVE}),
                   S.JUSTIFICATION, frozenset({STAFF})),
        Transition("close", gettext_lazy("Solder et clôturer"), frozenset({S.JUSTIFICATION}), S.CLOSED,
                   frozenset({STAFF})),
        Transition("refuse", gettext_lazy("Refuser la demande"), frozenset({S.SUBMITTED, S.IN_REVIEW}), S.REFUSED,
                   frozenset({STAFF}), needs_comment=True),
        Transition("cancel", gettext_lazy("Annuler la convention"),
                   frozenset({S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.VOTED}), S.CANCELLED, frozenset({STAFF}),
                   needs_comment=True),
        Transition("terminate", gettext_lazy("Résilier (art. 8)"), frozenset({S.SIGNED, S.ACTIVE, S.JUSTIFICATION}),
                   S.TERMINATED, frozenset({STAFF}), needs_comment=True),
    ]
}


#: The main path of an agreement, in order: each state's step forward (the others send it back or end it).
MAIN_PATH = ("submit", "start_review", "vote", "sign", "activate", "request_justification", "close")


def next_step(status: str) -> Transition | None:
    """Return the transition that moves an agreement in ``status`` forward on the main path, or None at its end."""
    return next((TRANSITIONS[name] for name in MAIN_PATH if status in TRANSITIONS[name].sources), None)


def states_ahead(status: str) -> list[str]:
    """Return the states of the main path still ahead of ``status``, in order (none once it ended)."""
    ahead, step = [], next_step(status)
    while step is not None:
        ahead.append(step.target)
        step = next_step(step.target)
    return ahead


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
    if reasons := blocking_reasons(convention, name):
        return " ".join(reasons)
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


def waiver_conflict(convention: Convention, user) -> str | None:
    """Return why ``user`` may not waive what the association owes: they belong to it (segregation of duties)."""
    return review_conflict(user, beneficiary=convention.beneficiary)


def may_waive(convention: Convention, transition: str, user) -> bool:
    """Return True when ``user`` may apply ``transition`` now by waiving what blocks it (each waivable)."""
    if convention.status not in TRANSITIONS[transition].sources or actor_of(user, convention) != STAFF:
        return False
    if waiver_conflict(convention, user):
        return False
    blocking = [state for state in requirement_states(convention, transition) if state.blocking]
    return bool(blocking) and all(state.requirement.waivable for state in blocking)


#: The main path of an agreement, in order: what « Prochaines étapes » lists from its current state.
MAIN_PATH = ("submit", "start_review", "vote", "sign", "activate", "request_justification", "close")


@dataclass(frozen=True)
class NextStep:
    transition: Transition
    #: Its requirements from the requirements table (``dossier.requirements.REQUIREMENTS``): met, unmet, waived.
    states: list
    #: The step the agreement's current state leads to (the others follow it).
    is_next: bool


def next_steps(convention: Convention) -> list[NextStep]:
    """Return the steps of the main path still ahead of ``convention``, in order, each with its requirements.

    Empty once the agreement left the main path (closed, refused, cancelled, terminated).
    """
    start = next((i for i, name in enumerate(MAIN_PATH) if convention.status in TRANSITIONS[name].sources), None)
    if start is None:
        return []
    return [NextStep(TRANSITIONS[name], requirement_states(convention, name), i == start)
            for i, name in enumerate(MAIN_PATH[start:], start)]
