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

from conventions.models import Convention

from .models import Beneficiary

#: Session key of the association the member works for now.
SESSION_KEY = "portal_beneficiary_id"


def member_beneficiaries(user):
    """Return the associations ``user`` is an active member of."""
    return Beneficiary.objects.for_member(user)


def member_conventions(user):
    """Return the agreements of the associations ``user`` is an active member of."""
    return Convention.objects.filter(
        beneficiary__memberships__user=user, beneficiary__memberships__is_active=True
    )


def get_member_convention_or_404(user, pk) -> Convention:
    """Return agreement ``pk`` if ``user`` is a member of its association, else raise 404."""
    return get_object_or_404(member_conventions(user).select_related("beneficiary", "funder").with_amount_in_force(), pk=pk)


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
    if not str(beneficiary_pk).isdigit():
        raise Http404
    beneficiary = get_object_or_404(member_beneficiaries(request.user), pk=int(beneficiary_pk))
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


class MemberConventionMixin(LoginRequiredMixin):
    """Load ``self.convention`` from the URL's ``convention_pk``, for members of its association only.

    The header then names the agreement's association; a member of several associations who
    had picked another one now works for this one (a member of one association never has the
    session written, so page query counts stay the same from one request to the next).
    """

    convention_url_kwarg = "convention_pk"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.convention = get_member_convention_or_404(request.user, kwargs[self.convention_url_kwarg])
            request.portal_beneficiary_id = self.convention.beneficiary_id
            request.__dict__.pop("_portal_header", None)
            if request.session.get(SESSION_KEY) not in (None, self.convention.beneficiary_id):
                request.session[SESSION_KEY] = self.convention.beneficiary_id
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(convention=self.convention, **kwargs)
