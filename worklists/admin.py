"""The « à traiter par moi » filter on the admin's lists, so that each count of the home links to its rows.

The lists' admins live in the apps below; this app, above them, adds one filter to each
registered admin whose model has a worklist (``worklists.rules.WORKLISTS``). It must come after
them in ``INSTALLED_APPS`` (the admin imports each app's ``admin`` module in that order).
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from worklists.rules import FILTER_PARAMETER, OVERDUE_SUFFIX, WORKLISTS, filtered_rows


class WorklistFilter(admin.SimpleListFilter):
    title = gettext_lazy("à traiter par moi")
    parameter_name = FILTER_PARAMETER
    #: The worklists of the admin's model (set for each model by ``add_worklist_filters``).
    worklists = ()

    def lookups(self, request, model_admin):
        choices = []
        for worklist in self.worklists:
            choices.append((worklist.code, worklist.label))
            if worklist.overdue:
                choices.append((worklist.code + OVERDUE_SUFFIX, _("%(list)s — en retard") % {"list": worklist.label}))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value.removesuffix(OVERDUE_SUFFIX) not in {w.code for w in self.worklists}:
            return queryset.none()
        rows = filtered_rows(value, request.user, today=timezone.localdate())
        return queryset.filter(pk__in=rows.values("pk"))


def add_worklist_filters(site) -> None:
    """Put the « à traiter par moi » filter first on the admin of every model that has a worklist."""
    by_model = {}
    for worklist in WORKLISTS:
        by_model.setdefault(worklist.model, []).append(worklist)
    for model, worklists in by_model.items():
        model_admin = site.get_model_admin(model)
        name = f"{model.__name__}WorklistFilter"
        list_filter = type(name, (WorklistFilter,), {"worklists": tuple(worklists)})
        model_admin.list_filter = (list_filter, *model_admin.list_filter)


add_worklist_filters(admin.site)
