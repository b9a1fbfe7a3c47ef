"""The results page of the staff header's « Rechercher » box (/admin/recherche/?q=…)."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from search.engine import MIN_LENGTH, query_is_long_enough, search


class SearchView(TemplateView):
    """Staff only (``admin.site.admin_view``); each group shown only to whoever may view its model."""

    template_name = "search/results.html"

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:200]
        title = _("Recherche « %(query)s »") % {"query": query} if query else _("Recherche")
        return super().get_context_data(
            **admin.site.each_context(self.request), title=title, search_query=query,
            too_short=bool(query) and not query_is_long_enough(query), min_length=MIN_LENGTH,
            groups=search(self.request, query), **kwargs,
        )
