import django.db.models.deletion
from django.db import migrations, models

from budgets.rules import lines_to_link


def link_existing_lines(apps, schema_editor):
    """Link each actual line already entered to the forecast line it was compared with until now:
    the one of the same agreement and year with the same account and label. No variance changes."""
    line_model = apps.get_model("budgets", "BudgetLine")
    line_model.objects.bulk_update(lines_to_link(line_model), ["forecast_line"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0005_budget_convention_optional_for_applications'),
    ]

    operations = [
        migrations.AddField(
            model_name='budgetline',
            name='forecast_line',
            field=models.OneToOneField(blank=True, error_messages={'unique': 'Cette ligne prévue est déjà réalisée par une autre ligne.'}, help_text='La ligne du budget prévisionnel dont cette ligne est le réalisé, même renommée.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='realised_by', to='budgets.budgetline', verbose_name='réalise la ligne prévue'),
        ),
        migrations.AddField(
            model_name='historicalbudgetline',
            name='forecast_line',
            field=models.ForeignKey(blank=True, db_constraint=False, error_messages={'unique': 'Cette ligne prévue est déjà réalisée par une autre ligne.'}, help_text='La ligne du budget prévisionnel dont cette ligne est le réalisé, même renommée.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='budgets.budgetline', verbose_name='réalise la ligne prévue'),
        ),
        migrations.RunPython(link_existing_lines, migrations.RunPython.noop),
    ]
