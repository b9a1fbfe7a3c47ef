from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from conventions.models import Convention

from .models import Beneficiary


class HomeView(LoginRequiredMixin, TemplateView):
    """Show the member's associations and their agreements."""

    template_name = "beneficiaries/portal/home.html"

    def get_context_data(self, **kwargs):
        beneficiaries = Beneficiary.objects.for_member(self.request.user)
        conventions = (
            Convention.objects.filter(beneficiary__in=beneficiaries)
            .select_related("beneficiary", "funder")
            .order_by("beneficiary__name", "-fiscal_year")
        )
        return super().get_context_data(beneficiaries=beneficiaries, conventions=conventions, **kwargs)
