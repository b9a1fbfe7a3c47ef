"""Portal URLs of applications, included under /portail/candidatures/ by config/urls.py."""

from django.urls import path

from campaigns import views

app_name = "portal_campaigns"

urlpatterns = [
    path("", views.ApplicationListView.as_view(), name="list"),
    path("nouvelle/", views.ApplicationCreateView.as_view(), name="create"),  # ?campagne=<id>: campaigns are public
    path("<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("<int:pk>/modifier/", views.ApplicationEditView.as_view(), name="edit"),
    path("<int:pk>/budget/", views.ApplicationBudgetView.as_view(), name="budget"),
    path("<int:pk>/pieces/", views.ApplicationDocumentsView.as_view(), name="documents"),
    path("<int:pk>/pieces/<int:document_pk>/fichier/", views.ApplicationDocumentFileView.as_view(),
         name="document_file"),
    path("<int:pk>/deposer/", views.ApplicationSubmitView.as_view(), name="submit"),
    path("<int:pk>/versions/<int:number>/", views.ApplicationVersionView.as_view(), name="version"),
]
