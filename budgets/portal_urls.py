"""Portal URLs of the budgets app, included under /portail/budgets/ by config/urls.py."""

from django.urls import path

from budgets import views
from budgets.models import BudgetKind

app_name = "portal_budgets"

FORECAST = {"kind": BudgetKind.FORECAST}
ACTUAL = {"kind": BudgetKind.ACTUAL}

urlpatterns = [
    path("<int:convention_pk>/", views.OverviewView.as_view(), name="overview"),
    path("<int:convention_pk>/previsionnel/", views.BudgetFormView.as_view(), FORECAST, name="forecast"),
    path("<int:convention_pk>/previsionnel/importer/", views.ImportView.as_view(), FORECAST, name="forecast_import"),
    path("<int:convention_pk>/previsionnel/export.<str:fmt>", views.ExportView.as_view(), FORECAST,
         name="forecast_export"),
    path("<int:convention_pk>/previsionnel/deposer/", views.SubmitConfirmView.as_view(), FORECAST,
         name="forecast_submit"),
    path("<int:convention_pk>/realise/deposer/", views.SubmitConfirmView.as_view(), ACTUAL, name="actual_submit"),
    path("<int:convention_pk>/realise/", views.BudgetFormView.as_view(), ACTUAL, name="actual"),
    path("<int:convention_pk>/realise/creer/", views.CreateActualView.as_view(), name="actual_create"),
    path("<int:convention_pk>/realise/importer/", views.ImportView.as_view(), ACTUAL, name="actual_import"),
    path("<int:convention_pk>/realise/export.<str:fmt>", views.ExportView.as_view(), ACTUAL, name="actual_export"),
    path("<int:convention_pk>/modele.<str:fmt>", views.TemplateDownloadView.as_view(), name="template"),
]
