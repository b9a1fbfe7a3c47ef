"""Portal URLs of the indicators app, included under /portail/ by config/urls.py."""

app_name = "portal_indicators"

urlpatterns: list = []
