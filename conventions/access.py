"""conventions.access"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404

from beneficiaries.portal import SESSION_KEY
from conventions.models import Convention


def member_conventions(user):
    """Return the agreements of the associations ``user`` is an active member of."""
    return Convention.objects.filter(
        beneficiary__memberships__user=user, beneficiary__memberships__is_active=True
    )


def get_member_convention_or_404(user, pk) -> Convention:
    """Return agreement ``pk`` if ``user`` is a member of its association, else raise 404."""
    return get_object_or_404(member_conventions(user).select_related("beneficiary", "funder", "instructing_agent").with_amount_in_force(), pk=pk)


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
