"""Portal pages of the beneficiaries app: home, association picker, invitation link."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from beneficiaries.forms import AccountCreationForm
from beneficiaries.portal import beneficiary_choose, portal_header
from beneficiaries.services import (
    InvitationError,
    invitation_accept,
    invitation_check,
    invitation_existing_user,
    invitation_find,
    invitation_is_for,
)
from core.french import with_preposition


class ChooseBeneficiaryView(LoginRequiredMixin, View):
    """Let a member of several associations pick the one they work for now."""

    template_name = "beneficiaries/portal/choose_beneficiary.html"

    def get(self, request):
        return render(request, self.template_name, {"next": self._next_url()})

    def post(self, request):
        beneficiary = beneficiary_choose(request, request.POST.get("beneficiary") or 0)
        messages.success(request, _("Vous travaillez maintenant pour « %(name)s ».") % {"name": beneficiary.name})
        return redirect(self._next_url() or "portal:home")

    def _next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()},
                                               require_https=self.request.is_secure())
        return url if safe else ""


class InvitationAcceptView(View):
    """The link of an invitation email: set a password (or use one's account) and join."""

    template_name = "beneficiaries/portal/invitation_accept.html"
    invalid_template_name = "beneficiaries/portal/invitation_invalid.html"

    def dispatch(self, request, *args, token, **kwargs):
        self.token = token
        try:
            self.invitation = invitation_check(invitation_find(token=token))
        except InvitationError as error:
            return self.invalid(error)
        return super().dispatch(request, *args, **kwargs)

    def invalid(self, error: InvitationError):
        status = 404 if error.code == "unknown" else 410
        return render(self.request, self.invalid_template_name, {"message": error.message, "code": error.code},
                      status=status)

    def get(self, request):
        return self.render_page(AccountCreationForm(email=self.invitation.email))

    def post(self, request):
        form = None
        try:
            if request.user.is_authenticated:
                user = invitation_accept(token=self.token, user=request.user,
                                         other_account_confirmed=request.POST.get("confirm_other_account") == "1")
            elif invitation_existing_user(self.invitation) is not None:
                return self.render_page(None)
            else:
                form = AccountCreationForm(request.POST, email=self.invitation.email)
                if not form.is_valid():
                    return self.render_page(form)
                user = invitation_accept(token=self.token, password=form.cleaned_data["password1"],
                                         first_name=form.cleaned_data["first_name"],
                                         last_name=form.cleaned_data["last_name"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except InvitationError as error:
            if error.code == "other_account":
                return self.render_page(None, error=error.message)
            return self.invalid(error)
        beneficiary_choose(request, self.invitation.beneficiary_id)
        messages.success(request, _("Bienvenue ! Vous avez rejoint l'espace %(of_name)s.")
                         % {"of_name": with_preposition("de", self.invitation.beneficiary.name)})
        return redirect("portal:home")

    def render_page(self, form, error: str = ""):
        authenticated = self.request.user.is_authenticated
        existing = None if authenticated else invitation_existing_user(self.invitation)
        return render(self.request, self.template_name, {
            "invitation": self.invitation, "form": form, "existing_user": existing, "error": error,
            "other_account": authenticated and not invitation_is_for(self.invitation, self.request.user),
            "already_member": self.request.user.is_authenticated and any(
                b.pk == self.invitation.beneficiary_id for b in portal_header(self.request).beneficiaries),
        })
