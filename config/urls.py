from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core.admin_wording import french_titles
from core.model_moves import MOVED_MODELS

admin.site.site_header = "Conventions d'objectifs — espace des agents"
admin.site.site_title = "Conventions d'objectifs"
admin.site.index_title = "Gestion des conventions et des subventions"
admin.site.enable_nav_sidebar = False  # wide tables need the room

admin.site.index_template = "worklists/admin_index.html"  # what waits for the person, the dashboard links, the apps
french_titles(admin.site)  # « Ajouter un justificatif », not Django's « Ajouter un objet Justificatif »


def _moved_admin_urls():
    """Admin addresses of the models that changed app keep working (links in emails already sent).

    ``/admin/conventions/paymentrequest/12/change/`` answers a permanent redirect to
    ``/admin/finance/paymentrequest/12/change/``, query string included.
    """
    patterns = []
    for old, new in MOVED_MODELS.items():
        old_app, model = old.split(".")
        new_app, _model = new.split(".")
        patterns.append(re_path(
            rf"^admin/{old_app}/{model}/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{new_app}/{model}/%(rest)s", permanent=True, query_string=True),
        ))
    return patterns


urlpatterns = [
    *_moved_admin_urls(),
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", include("compliance.urls")),  # dashboard, overdue list, open data
    path("admin/", include("search.urls")),  # the header's « Rechercher » box
    path("admin/travaux/", include("jobs.urls")),  # the staff's background jobs: progress, file, failure
    path("admin/", admin.site.urls),
    # The association portal: every view there goes through beneficiaries.portal (tenant isolation).
    path("portail/", include("dossier.portal_urls")),
    path("portail/conventions/", include("dossier.portal_conventions_urls")),
    path("portail/budgets/", include("budgets.portal_urls")),
    path("portail/indicateurs/", include("indicators.portal_urls")),
    path("portail/candidatures/", include("campaigns.portal_urls")),
    path("portail/documents-permanents/", include("documents.portal_urls")),  # the association's vault
    path("portail/candidatures/", include("deliberations.portal_urls")),  # the letters the vote sent
    path("portail/inscription/", include("registration.urls")),  # public: an association registers itself
]
