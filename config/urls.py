from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Conventions d'objectifs — espace des agents"
admin.site.site_title = "Conventions d'objectifs"
admin.site.index_title = "Gestion des conventions et des subventions"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("portail/", include("beneficiaries.urls")),
]
