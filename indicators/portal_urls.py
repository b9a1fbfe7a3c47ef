"""Portal URLs of the indicators app, included under /portail/indicateurs/ by config/urls.py."""

from django.urls import path

from indicators import views

app_name = "portal_indicators"

urlpatterns = [
    path("conventions/<int:convention_pk>/", views.ReportListView.as_view(), name="report_list"),
    path("conventions/<int:convention_pk>/<int:year>/", views.ReportFormView.as_view(), name="report_form"),
    path("conventions/<int:convention_pk>/<int:year>/transmettre/", views.SubmitConfirmView.as_view(),
         name="report_submit"),
]
