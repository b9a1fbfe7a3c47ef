"""What the database holds, to prove that a refused request saved nothing."""

from django.apps import apps

#: The project's apps (their audit tables included) and the accounts.
APPS = ("beneficiaries", "conventions", "budgets", "indicators", "documents", "finance", "compliance", "auth")


def database_state() -> dict[str, list[dict]]:
    """Return every row of the project's tables, model by model, in primary key order."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for app_label in APPS
        for model in apps.get_app_config(app_label).get_models()
    }


def changed_tables(before: dict[str, list[dict]]) -> list[str]:
    """Return the tables whose rows differ from ``before`` (empty when nothing was saved)."""
    after = database_state()
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
