"""The portal's root (/portail/): home, association picker, access (login, invitation, password)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from beneficiaries import views
from beneficiaries.forms import PortalAuthenticationForm
from dossier.views import AccessibilityStatementView, HomeView
from notices.views import PreferenceView

app_name = "portal"

TEMPLATES = "beneficiaries/portal/"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accessibilite/", AccessibilityStatementView.as_view(), name="accessibility"),
    path("association/", views.ChooseBeneficiaryView.as_view(), name="choose_beneficiary"),
    path("mes-notifications/", PreferenceView.as_view(), name="notifications"),
    path("invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("connexion/", auth_views.LoginView.as_view(
        template_name=TEMPLATES + "login.html", authentication_form=PortalAuthenticationForm,
        redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", auth_views.PasswordResetView.as_view(
        template_name=TEMPLATES + "password_reset_form.html",
        email_template_name="beneficiaries/email/password_reset_body.txt",
        subject_template_name="beneficiaries/email/password_reset_subject.txt",
        extra_email_context={"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        success_url=reverse_lazy("portal:password_reset_done")), name="password_reset"),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(
        template_name=TEMPLATES + "password_reset_done.html"), name="password_reset_done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name=TEMPLATES + "password_reset_confirm.html",
        success_url=reverse_lazy("portal:password_reset_complete")), name="password_reset_confirm"),
    path("mot-de-passe/nouveau/termine/", auth_views.PasswordResetCompleteView.as_view(
        template_name=TEMPLATES + "password_reset_complete.html"), name="password_reset_complete"),
]
