"""Public pages of self-registration (/portail/inscription/): the form, « vérifiez votre boîte »,
the activation link and a new link when it expired. Writes go through ``registration.services``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from beneficiaries.directory import Status, directory_lookup
from beneficiaries.portal import beneficiary_choose
from registration.forms import RegistrationForm, ResendForm
from registration.services import (
    ActivationError,
    activation_check,
    activation_resend,
    registration_activate,
    registration_create,
)
from registration.throttle import throttle_count, throttled

THROTTLED = _("Trop de demandes ont été faites depuis votre connexion : réessayez dans une heure, ou contactez le "
              "service instructeur.")
#: What the « vérifiez votre boîte » page remembers of the registration (the address, to show it).
SESSION_EMAIL = "registration_email"


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


class RegisterView(View):
    """« Inscrire votre association »: the association, its representative, the person."""

    template_name = "registration/portal/register.html"

    def get(self, request):
        return self.render_page(RegistrationForm())

    def post(self, request):
        form = RegistrationForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        if throttled(request, "register"):
            form.add_error(None, THROTTLED)
            return self.render_page(form)
        try:
            registration = registration_create(association=form.association(), person=form.person(),
                                               site_url=_site_url(request))
        except ValidationError as error:
            for field, errors in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_page(form)
        throttle_count(request, "register")
        request.session[SESSION_EMAIL] = registration.user.email
        return redirect("registration:sent")

    def render_page(self, form):
        return render(self.request, self.template_name, {"form": form})


class DirectoryLookupView(View):
    """The registration form's look-up in the public directory (JSON, for directory_lookup.js).

    Public like the form, so not an open proxy: only a valid SIRET or RNA goes out, and each
    address may ask ``DIRECTORY_LOOKUP_THROTTLE`` times an hour."""

    def get(self, request):
        rate = settings.DIRECTORY_LOOKUP_THROTTLE
        if throttled(request, "directory", rate=rate):
            return JsonResponse({"status": "throttled", "message": THROTTLED, "fields": {}}, status=429)
        lookup = directory_lookup(request.GET.get("identifiant", ""))
        if lookup.status == Status.INVALID:
            return JsonResponse(lookup.as_json(), status=400)
        if lookup.status != Status.OFF:
            throttle_count(request, "directory", rate=rate)
        return JsonResponse(lookup.as_json())


class SentView(View):
    """« Vérifiez votre boîte »: where the link went, how long it lasts, what to do without it."""

    def get(self, request):
        return render(request, "registration/portal/sent.html", {
            "email": request.session.get(SESSION_EMAIL, ""), "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600})


class ActivateView(View):
    """The emailed link: a button that activates the account (a link opened by a mail filter
    activates nothing), then logs in and opens the association's applications."""

    template_name = "registration/portal/activate.html"

    def dispatch(self, request, *args, uidb64, token, **kwargs):
        self.uidb64, self.token = uidb64, token
        try:
            self.registration = activation_check(uidb64=uidb64, token=token)
        except ActivationError as error:
            return link_unusable(request, error)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"registration": self.registration})

    def post(self, request):
        try:
            registration = registration_activate(uidb64=self.uidb64, token=self.token)
        except ActivationError as error:
            return link_unusable(request, error)
        login(request, registration.user, backend="django.contrib.auth.backends.ModelBackend")
        beneficiary_choose(request, registration.beneficiary_id)
        messages.success(request, _("Bienvenue ! Le compte de « %(name)s » est activé. Vous pouvez déposer une "
                                    "candidature à une campagne ouverte.") % {"name": registration.beneficiary.name})
        return redirect("portal_campaigns:list")


def link_unusable(request, error: ActivationError):
    """The French page of a link that cannot be used: 404 unknown, 410 used or expired (a new link offered)."""
    status = 404 if error.code == "unknown" else 410
    return render(request, "registration/portal/link_invalid.html",
                  {"message": error.message, "code": error.code, "form": ResendForm()}, status=status)


class ResendView(View):
    """Ask for a new activation link: the page answers the same whether the address registered or not."""

    template_name = "registration/portal/resend.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ResendForm()})

    def post(self, request):
        form = ResendForm(request.POST)
        if form.is_valid() and throttled(request, "resend"):
            form.add_error(None, THROTTLED)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        throttle_count(request, "resend")
        activation_resend(email=form.cleaned_data["email"], site_url=_site_url(request))
        request.session[SESSION_EMAIL] = form.cleaned_data["email"]
        messages.info(request, _("Si cette adresse a inscrit une association dont le compte n'est pas encore activé, "
                                 "un nouveau lien vient d'y être envoyé."))
        return redirect("registration:sent")
