"""django-import-export resources for budget lines: whitelists of columns, French headers.

``BudgetLineImportResource`` writes the lines of ONE budget, matched on their natural key
(account, label), in bulk and with history. ``BudgetLineExportResource`` reads lines of one
or many budgets for a spreadsheet; text cells that a spreadsheet would take for a formula are
neutralised.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from budgets import chart
from budgets.amounts import parse_amount
from budgets.bounds import MAX_EXPLANATION_LENGTH
from budgets.models import BudgetLine, FundingStatus, unknown_amount_refusal

# Column headers, in the template's order. The import reads the ones marked in IMPORT_COLUMNS.
COL_CHAPTER = "Chapitre"
COL_CODE = "Compte"
COL_LABEL = "Libellé"
COL_AMOUNT = "Montant"
COL_FUNDING = "Demandé ou obtenu"
COL_GRANTING = "Collectivité attribuante"
COL_EXPLANATION = "Explication de l'écart"
TEMPLATE_COLUMNS = [COL_CHAPTER, COL_CODE, COL_LABEL, COL_AMOUNT, COL_FUNDING, COL_GRANTING, COL_EXPLANATION]
IMPORT_COLUMNS = [COL_CODE, COL_LABEL, COL_AMOUNT, COL_FUNDING, COL_GRANTING, COL_EXPLANATION]
REQUIRED_COLUMNS = [COL_CODE, COL_AMOUNT]
LABEL_MAX_LENGTH = BudgetLine._meta.get_field("label").max_length

#: What a spreadsheet would run as a formula (OWASP « CSV injection »).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
YES = {"oui", "o", "x", "1", "vrai", "true", "yes"}
NO = {"non", "n", "0", "faux", "false", "no", ""}


def neutralise(value):
    """Return ``value`` made inert for a spreadsheet: text starting like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def clean_code(value) -> str:
    """Return an account code read from a cell (``606``, ``606.0`` or `` 606 ``) as text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class AccountWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = clean_code(value)
        if not code:
            raise ValueError(_("Le compte est manquant."))
        if code not in chart.ACCOUNTS:
            raise ValueError(_("Le compte « %(code)s » n'existe pas dans le plan du Cerfa 12156.") % {"code": code})
        return code


class LabelWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            account = chart.ACCOUNTS.get(clean_code(row.get(COL_CODE))) if row else None
            text = account.label if account else ""
        if len(text) > LABEL_MAX_LENGTH:
            raise ValueError(_("Le libellé dépasse %(max)s caractères.") % {"max": LABEL_MAX_LENGTH})
        return text


class AmountWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_amount(value)  # empty: not given; which lines may be is checked with the budget


class FundingStatusWidget(widgets.Widget):
    CHOICES = {"demande": FundingStatus.REQUESTED, "obtenu": FundingStatus.OBTAINED,
               "requested": FundingStatus.REQUESTED, "obtained": FundingStatus.OBTAINED}

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().lower().replace("é", "e")
        if not text:
            return ""
        if text not in self.CHOICES:
            raise ValueError(_("« %(value)s » : indiquez « Demandé » ou « Obtenu ».") % {"value": value})
        return self.CHOICES[text]


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("« %(value)s » : indiquez « oui » ou laissez vide.") % {"value": value})


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class ExplanationWidget(TextWidget):
    """The explanation of a variance: as long as the portal's field allows, no longer."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if len(text) > MAX_EXPLANATION_LENGTH:
            raise ValueError(_("L'explication compte %(count)s caractères : %(max)s au plus.") % {
                "count": len(text), "max": MAX_EXPLANATION_LENGTH})
        return text


class BudgetLineLoader(BaseInstanceLoader):
    """Load the budget's existing lines once, keyed by (account, label): no query per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = {(line.code, line.label): line for line in resource.get_queryset()}

    def get_instance(self, row):
        return self.instances.get(self.resource.row_key(row))


class BudgetLineImportResource(resources.ModelResource):
    """The columns a file may set on the lines of one budget (a whitelist), imported in bulk."""

    code = fields.Field(attribute="code", column_name=COL_CODE, widget=AccountWidget())
    label = fields.Field(attribute="label", column_name=COL_LABEL, widget=LabelWidget())
    amount = fields.Field(attribute="amount", column_name=COL_AMOUNT, widget=AmountWidget())
    funding_status = fields.Field(attribute="funding_status", column_name=COL_FUNDING, widget=FundingStatusWidget())
    is_granting_funder = fields.Field(attribute="is_granting_funder", column_name=COL_GRANTING, widget=YesNoWidget())
    explanation = fields.Field(attribute="explanation", column_name=COL_EXPLANATION, widget=ExplanationWidget())

    COLUMN_OF_FIELD = {"code": COL_CODE, "label": COL_LABEL, "amount": COL_AMOUNT, "funding_status": COL_FUNDING,
                       "is_granting_funder": COL_GRANTING, "explanation": COL_EXPLANATION}

    class Meta:
        model = BudgetLine
        fields = ["code", "label", "amount", "funding_status", "is_granting_funder", "explanation"]
        import_id_fields = ["code", "label"]
        instance_loader_class = BudgetLineLoader
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        skip_unchanged = False
        clean_model_instances = False
        report_skipped = False
        use_transactions = True

    def __init__(self, *, budget, user=None, file_rows=None):
        super().__init__()
        self.budget = budget
        self.user = user
        self.file_rows = file_rows or {}
        self.seen: dict[tuple[str, str], int] = {}
        self.matched_pks: set[int] = set()
        self._key_row, self._key = None, None

    def get_queryset(self):
        return BudgetLine.objects.filter(budget=self.budget)

    def init_instance(self, row=None):
        return BudgetLine(budget_id=self.budget.pk)

    def row_key(self, row) -> tuple[str, str] | None:
        """Return the natural key (account, label) of a row, once per row; None if the account is unknown."""
        if self._key_row is not row:
            code = clean_code(row.get(COL_CODE))
            self._key_row = row
            self._key = (code, LabelWidget().clean(row.get(COL_LABEL), row=row)) if code in chart.ACCOUNTS else None
        return self._key

    def file_row(self, row_number: int) -> int:
        """Return the spreadsheet's row number of the dataset's ``row_number``."""
        return self.file_rows.get(row_number, row_number + 1)

    def before_import_row(self, row, **kwargs):
        key = self.row_key(row)
        if key is None:
            return
        number = self.file_row(kwargs["row_number"])
        if key in self.seen:
            raise ValidationError({"label": _("Ligne en double : le compte %(code)s « %(label)s » figure déjà "
                                              "ligne %(first)s.") % {"code": key[0], "label": key[1],
                                                                      "first": self.seen[key]}})
        self.seen[key] = number

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self._before = None if new else self._values(instance)

    def _values(self, instance) -> tuple:
        return tuple(getattr(instance, name) for name in self.UPDATED_FIELDS)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Leave a line the file does not change alone: the audit trail shows what the import changed."""
        return not import_validation_errors and self._before is not None and self._values(instance) == self._before

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        account = chart.ACCOUNTS[instance.code]
        if not account.is_cofunder_line:
            if instance.is_granting_funder:
                raise ValidationError({"is_granting_funder": _(
                    "Seule une ligne du chapitre 74 (subventions) peut être celle de la collectivité attribuante.")})
            instance.funding_status = ""
        if instance.amount is None:  # « non renseigné »: only a co-funder asked, in a forecast
            refusal = unknown_amount_refusal(kind=self.budget.kind, code=instance.code,
                                             funding_status=instance.funding_status)
            if refusal:
                raise ValidationError({"amount": refusal})
        # The line's rank among the file's lines, as the portal's form numbers them (1, 2, …): an
        # exported budget imported back leaves every line as it was.
        instance.position = kwargs["row_number"]
        if instance.pk:
            self.matched_pks.add(instance.pk)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(self.create_instances, BudgetLine, batch_size=batch_size,
                                         default_user=self.user)
            except Exception as exc:  # noqa: BLE001 - reported as the file's error, and rolled back
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(self.update_instances, BudgetLine, fields=self.UPDATED_FIELDS,
                                         batch_size=batch_size, default_user=self.user)
            except Exception as exc:  # noqa: BLE001 - reported as the file's error, and rolled back
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    UPDATED_FIELDS = ["amount", "funding_status", "is_granting_funder", "explanation", "position"]


class FrenchTextWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return neutralise("" if value is None else str(value))


class NativeWidget(widgets.Widget):
    """Keep numbers as numbers (a spreadsheet cell), never text."""

    def render(self, value, obj=None, **kwargs):
        return value


class BudgetLineExportResource(resources.ModelResource):
    """The columns of the export: agreement, budget, chapter, line. Text is neutralised."""

    reference = fields.Field(attribute="budget__convention__reference", column_name="Convention", widget=FrenchTextWidget())
    beneficiary = fields.Field(attribute="budget__convention__beneficiary__name", column_name="Association",
                               widget=FrenchTextWidget())
    fiscal_year = fields.Field(attribute="budget__convention__fiscal_year", column_name="Exercice", widget=NativeWidget())
    kind = fields.Field(column_name="Budget", widget=FrenchTextWidget())
    budget_status = fields.Field(column_name="État du budget", widget=FrenchTextWidget())
    chapter = fields.Field(column_name=COL_CHAPTER, widget=FrenchTextWidget())
    code = fields.Field(attribute="code", column_name=COL_CODE, widget=FrenchTextWidget())
    label = fields.Field(attribute="label", column_name=COL_LABEL, widget=FrenchTextWidget())
    amount = fields.Field(attribute="amount", column_name=COL_AMOUNT, widget=NativeWidget())
    funding_status = fields.Field(column_name=COL_FUNDING, widget=FrenchTextWidget())
    is_granting_funder = fields.Field(column_name=COL_GRANTING, widget=FrenchTextWidget())
    explanation = fields.Field(attribute="explanation", column_name=COL_EXPLANATION, widget=FrenchTextWidget())

    class Meta:
        model = BudgetLine
        fields = ["reference", "beneficiary", "fiscal_year", "kind", "budget_status", "chapter", "code", "label",
                  "amount", "funding_status", "is_granting_funder", "explanation"]
        export_order = fields

    def dehydrate_kind(self, line):
        return line.budget.get_kind_display()

    def dehydrate_budget_status(self, line):
        return line.budget.get_status_display()

    def dehydrate_chapter(self, line):
        chapter = line.account.chapter
        return f"{chapter.code} – {chapter.label}"

    def dehydrate_funding_status(self, line):
        return line.get_funding_status_display() if line.funding_status else ""

    def dehydrate_is_granting_funder(self, line):
        return _("oui") if line.is_granting_funder else ""

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))
