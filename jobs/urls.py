"""The staff's job pages, included under /admin/travaux/ by config/urls.py (staff only)."""

from django.contrib import admin
from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", admin.site.admin_view(views.job_list), name="list"),
    path("<int:pk>/", admin.site.admin_view(views.job_detail), name="detail"),
    path("<int:pk>/fichier/", admin.site.admin_view(views.job_file), name="file"),
    path("<int:pk>/relancer/", admin.site.admin_view(views.job_retry_view), name="retry"),
]
