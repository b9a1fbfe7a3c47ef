"""Tenant isolation for the portal: a member reaches only their own associations' data.

Every portal view loads what it shows through these helpers, so that another association's
identifiers answer 404 (never 403, which would confirm that the object exists).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404

from conventions.models import Convention

from .models import Beneficiary


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
    return get_object_or_404(member_conventions(user).select_related("beneficiary", "funder"), pk=pk)


class MemberConventionMixin(LoginRequiredMixin):
    """Load ``self.convention`` from the URL's ``convention_pk``, for members of its association only."""

    convention_url_kwarg = "convention_pk"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.convention = get_member_convention_or_404(request.user, kwargs[self.convention_url_kwarg])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(convention=self.convention, **kwargs)
