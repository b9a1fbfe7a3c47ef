from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Conventions d'objectifs — espace des agents"
admin.site.site_title = "Conventions d'objectifs"
admin.site.index_title = "Gestion des conventions et des subventions"
admin.site.enable_nav_sidebar = False  # wide tables need the room

admin.site.index_template = "conventions/admin_index.html"  # adds the dashboard links

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", include("conventions.staff_urls")),  # dashboard, overdue list, open data
    path("admin/", admin.site.urls),
    # The association portal: every view there goes through beneficiaries.portal (tenant isolation).
    path("portail/", include("beneficiaries.urls")),
    path("portail/conventions/", include("conventions.portal_urls")),
    path("portail/budgets/", include("budgets.portal_urls")),
    path("portail/indicateurs/", include("indicators.portal_urls")),
]
