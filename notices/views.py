"""« Mes notifications »: each user chooses how they receive the application's emails (portal page)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from notices.forms import PreferenceForm
from notices.services import notice_frequency, notice_preference_set


def preference_saved_message(frequency: str) -> str:
    if frequency == "daily":
        return _("C'est noté : vous recevrez un résumé par jour.")
    return _("C'est noté : vous recevrez chaque courriel dès son envoi.")


class PreferenceView(LoginRequiredMixin, FormView):
    template_name = "notices/portal/preference.html"
    form_class = PreferenceForm

    def get_initial(self):
        return {"frequency": notice_frequency(self.request.user)}

    def form_valid(self, form):
        frequency = form.cleaned_data["frequency"]
        notice_preference_set(user=self.request.user, frequency=frequency, by=self.request.user)
        messages.success(self.request, preference_saved_message(frequency))
        return redirect("portal:notifications")
