"""Portal URLs of the association's permanent papers, included under /portail/documents-permanents/
(config/urls.py)."""

from django.urls import path

from documents import vault_views

app_name = "portal_vault"

urlpatterns = [
    path("", vault_views.VaultView.as_view(), name="list"),
    path("<int:pk>/fichier/", vault_views.VaultPaperFileView.as_view(), name="file"),
]
