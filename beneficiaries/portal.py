"""Tenant isolation for the portal: a member reaches only their own associations' data.

Every portal view loads what it shows through these helpers, so that another association's
identifiers answer 404 (never 403, which would confirm that the object exists).

A member of several associations works for one at a time: the one picked is kept in the
session (``current_beneficiary``); the home page shows only its agreements.
"""

from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from beneficiaries.models import Beneficiary
from core.object_ids import parse_object_id

#: Session key of the association the member works for now.
SESSION_KEY = "portal_beneficiary_id"


def member_beneficiaries(user):
    """Return the associations ``user`` is an active member of."""
    return Beneficiary.objects.for_member(user)






@dataclass(frozen=True)
class PortalHeader:
    """What the portal's header shows: the member's associations and the one picked."""

    beneficiaries: list[Beneficiary] = field(default_factory=list)
    current: Beneficiary | None = None

    @property
    def can_switch(self) -> bool:
        return len(self.beneficiaries) > 1


def portal_header(request) -> PortalHeader:
    """Return the member's associations and the current one (one query, cached on the request)."""
    cached = getattr(request, "_portal_header", None)
    if cached is not None:
        return cached
    header = PortalHeader()
    if request.user.is_authenticated:
        beneficiaries = list(member_beneficiaries(request.user).order_by("name"))
        chosen = getattr(request, "portal_beneficiary_id", None) or request.session.get(SESSION_KEY)
        current = next((b for b in beneficiaries if b.pk == chosen), None)
        if current is None and len(beneficiaries) == 1:
            current = beneficiaries[0]
        header = PortalHeader(beneficiaries=beneficiaries, current=current)
    request._portal_header = header
    return header


def current_beneficiary(request) -> Beneficiary | None:
    """Return the association the member works for now, or None when they must pick one."""
    return portal_header(request).current


def beneficiary_choose(request, beneficiary_pk) -> Beneficiary:
    """Make association ``beneficiary_pk`` the current one; 404 unless the user is its member."""
    pk = parse_object_id(Beneficiary, str(beneficiary_pk))
    if pk is None:
        raise Http404
    beneficiary = get_object_or_404(member_beneficiaries(request.user), pk=pk)
    request.session[SESSION_KEY] = beneficiary.pk
    request.__dict__.pop("_portal_header", None)
    return beneficiary


class CurrentBeneficiaryMixin(LoginRequiredMixin):
    """Load ``self.beneficiary``, the association picked; send a member of several to the picker."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            header = portal_header(request)
            if header.current is None and header.can_switch:
                return redirect("portal:choose_beneficiary")
            self.beneficiary = header.current
        return super().dispatch(request, *args, **kwargs)


