"""The staff search, mounted under /admin/ behind the admin's login (``admin.site.admin_view``)."""

from django.contrib import admin
from django.urls import path

from search.views import SearchView

app_name = "staff_search"

urlpatterns = [
    path("recherche/", admin.site.admin_view(SearchView.as_view()), name="results"),
]
