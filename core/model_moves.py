"""Moving a model to another app while keeping its data (ARCHITECTURE.md, « Moves keep the data »).

The table and the history table keep their names (``db_table``, ``HistoricalRecords(table_name=…)``);
the migrations move the model in Django's state only (``SeparateDatabaseAndState``), and
``move_content_types`` relabels the content types so that permissions, group grants and the
admin's log entries follow the model. ``restore_data`` maps a backup's old labels the same way.
"""

from django.db import migrations

#: Every model that changed app, old label → new label (``app_label.model``).
MOVED_MODELS = {
    "conventions.document": "documents.document",
    "conventions.historicaldocument": "documents.historicaldocument",
    "conventions.paymentrequest": "finance.paymentrequest",
    "conventions.historicalpaymentrequest": "finance.historicalpaymentrequest",
    "conventions.recovery": "finance.recovery",
    "conventions.historicalrecovery": "finance.historicalrecovery",
    "conventions.reminderlog": "compliance.reminderlog",
}


def _relabel(apps, pairs):
    content_type = apps.get_model("contenttypes", "ContentType")
    for old, new in pairs:
        old_app, model = old.split(".")
        new_app, _model = new.split(".")
        stale = content_type.objects.filter(app_label=new_app, model=model)
        if content_type.objects.filter(app_label=old_app, model=model).exists():
            # A content type created for the new label before this migration ran holds nothing yet.
            stale.delete()
        content_type.objects.filter(app_label=old_app, model=model).update(app_label=new_app)


def move_content_types(new_app: str) -> migrations.RunPython:
    """Return the reversible operation that relabels the content types of the models moved to ``new_app``."""
    pairs = [(old, new) for old, new in MOVED_MODELS.items() if new.startswith(new_app + ".")]

    def forward(apps, schema_editor):
        _relabel(apps, pairs)

    def backward(apps, schema_editor):
        _relabel(apps, [(new, old) for old, new in pairs])

    return migrations.RunPython(forward, backward, elidable=False)
