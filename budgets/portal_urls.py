"""Portal URLs of the budgets app, included under /portail/ by config/urls.py."""

app_name = "portal_budgets"

urlpatterns: list = []
