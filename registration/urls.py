"""Public URLs of self-registration, included under /portail/inscription/ by config/urls.py.

The activation link is sent by email: its address is a public interface, kept as it is.
"""

from django.urls import path

from registration import views

app_name = "registration"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("envoye/", views.SentView.as_view(), name="sent"),
    path("annuaire/", views.DirectoryLookupView.as_view(), name="directory_lookup"),
    path("nouveau-lien/", views.ResendView.as_view(), name="resend"),
    path("activer/<str:uidb64>/<str:token>/", views.ActivateView.as_view(), name="activate"),
]
