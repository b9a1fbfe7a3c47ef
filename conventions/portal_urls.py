"""Portal URLs of the conventions app, included under /portail/ by config/urls.py."""

app_name = "portal_conventions"

urlpatterns: list = []
