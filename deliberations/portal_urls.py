"""Portal URLs of the deliberations app, included under /portail/candidatures/ by config/urls.py."""

from django.urls import path

from deliberations import views

app_name = "portal_deliberations"

urlpatterns = [
    path("<int:pk>/lettre.pdf", views.LetterPdfView.as_view(), name="letter_pdf"),
]
