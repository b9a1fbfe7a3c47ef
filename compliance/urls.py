"""Staff pages mounted under /admin/, behind the admin's login (``admin.site.admin_view``)."""

from django.contrib import admin
from django.urls import path

from compliance.views import (
    DashboardView,
    OverdueView,
    RemindersSendView,
    ScdlExportView,
    SnapshotRefreshView,
)

app_name = "staff"

urlpatterns = [
    path("tableau-de-bord/", admin.site.admin_view(DashboardView.as_view()), name="dashboard"),
    path("tableau-de-bord/echeances-depassees/", admin.site.admin_view(OverdueView.as_view()), name="overdue"),
    path("tableau-de-bord/recalculer/", admin.site.admin_view(SnapshotRefreshView.as_view()), name="snapshot_refresh"),
    path("tableau-de-bord/echeances-depassees/rappels/", admin.site.admin_view(RemindersSendView.as_view()),
         name="reminders_send"),
    path("tableau-de-bord/donnees-ouvertes-scdl.csv", admin.site.admin_view(ScdlExportView.as_view()),
         name="scdl_export"),
]
