"""The agreement's timeline on its portal page: the states it went through, the current one, what comes next.

The past comes from the status history (``conventions.StatusChange``), the states ahead and
the next step from the lifecycle (``dossier.lifecycle.MAIN_PATH``), and what the association
must do from the portal home's expected items (``dossier.portal_home.expected_items``, which
reads the requirements table): no list of its own.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.models import Convention, Status
from dossier.lifecycle import STAFF, next_step, states_ahead
from dossier.portal_home import ExpectedItem, expected_items


@dataclass(frozen=True)
class TimelineStep:
    status: str
    label: str
    on: date | None = None
    current: bool = False
    ahead: bool = False


@dataclass(frozen=True)
class NextStep:
    """What happens next: the association's items to do, or what the funder's service has to do."""

    text: str
    items: list[ExpectedItem] = field(default_factory=list)
    by_association: bool = False


@dataclass(frozen=True)
class Timeline:
    steps: list[TimelineStep]
    next: NextStep | None


def agreement_timeline(convention: Convention) -> Timeline:
    """Return ``convention``'s timeline: each state reached with its date, the current one, the states ahead."""
    steps = [TimelineStep(change.to_status, Status(change.to_status).label, timezone.localdate(change.at))
             for change in convention.status_changes.all()]
    if not steps or steps[-1].status != convention.status:  # an agreement taken over without its history
        steps.append(TimelineStep(convention.status, convention.get_status_display()))
    last = steps.pop()
    steps.append(TimelineStep(last.status, last.label, last.on, current=True))
    steps += [TimelineStep(status, Status(status).label, ahead=True) for status in states_ahead(convention.status)]
    return Timeline(steps=steps, next=_next(convention))


def _next(convention: Convention) -> NextStep | None:
    step = next_step(convention.status)
    if step is None:
        return None
    items = [item for item in expected_items(convention.beneficiary) if item.convention.pk == convention.pk]
    if items:
        return NextStep(_("À faire de votre côté :"), items=items, by_association=True)
    if STAFF in step.actors:
        return NextStep(_("En attente de %(funder)s : %(step)s.") % {
            "funder": convention.funder.short_name, "step": str(step.label)[0].lower() + str(step.label)[1:]})
    return NextStep(str(step.label), by_association=True)
