"""Segregation of duties: who may not approve what an association submitted.

The one rule, called by every service that approves, validates or accepts something an
association sent (payment steps, budget validation, document acceptance, indicator validation,
waivers of the association's requirements): nobody approves what they submitted themselves, nor
anything of an association they are an active member of. Rejecting or returning stays open to
them: it hands the decision back to the association, and someone else must still approve.

It sits in ``beneficiaries`` (layer 1), beside the memberships it reads, so that every app above
may call it. The admin asks the same function to show the reason instead of a button that fails.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, Membership


def review_conflict(user, *, beneficiary: Beneficiary, submitted_by=None, what: str | None = None) -> str | None:
    """Return, in French, why ``user`` may not approve this item of ``beneficiary``, or None.

    Refused when ``user`` is ``submitted_by`` (who deposited the item), or holds an active
    membership of ``beneficiary``. ``what`` names the item in the first message (« ce budget »);
    an inactive membership does not count: a person who left the association may review again.
    """
    if user is None or not user.is_authenticated:
        return None  # not a reviewer at all: the caller's permission check refuses them
    if submitted_by is not None and submitted_by.pk == user.pk:
        return _("Vous avez vous-même déposé %(what)s : sa validation revient à une autre personne.") % {
            "what": what or _("cette demande")}
    if Membership.objects.filter(user=user, beneficiary=beneficiary, is_active=True).exists():
        return _("Vous êtes membre de l'association « %(name)s » : la validation de ce qui la concerne revient "
                 "à une autre personne.") % {"name": beneficiary.name}
    return None


def without_conflicts(queryset: QuerySet, user, *, beneficiary: str | tuple[str, ...],
                      submitted_by: str | None = None) -> QuerySet:
    """Return the rows of ``queryset`` that ``review_conflict`` would not refuse ``user``: the same rule, as a filter.

    ``beneficiary`` is the path (or paths) from a row to its association, ``submitted_by`` the
    path to who deposited it. A row is left out when ``user`` deposited it or holds an active
    membership of its association. The worklists read it: what someone may not approve does not
    wait for them.
    """
    if user is None or not user.is_authenticated:
        return queryset
    member_of = Membership.objects.filter(user=user, is_active=True).values("beneficiary")
    conflict = Q()
    for path in (beneficiary,) if isinstance(beneficiary, str) else beneficiary:
        conflict |= Q(**{f"{path}__in": member_of})
    if submitted_by is not None:
        # ``isnull`` keeps a row nobody is recorded for: on an annotation, SQL's NOT (NULL = id) would drop it.
        conflict |= Q(**{submitted_by: user.pk, f"{submitted_by}__isnull": False})
    return queryset.exclude(conflict)
