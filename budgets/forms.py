"""Portal forms: the Cerfa budget as rows grouped by chapter, amounts typed the French way.

The rows of a page are built on the server from the saved lines and the chart (``budget_rows``),
the same way for the page and for its submission, so that nothing a member posts can point at
a line of another budget: lines are matched on (account, label) inside the member's budget.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets import chart
from budgets.amounts import AmountError, parse_amount
from budgets.bounds import MAX_BUDGET_LINES, MAX_EXPLANATION_LENGTH
from budgets.models import FundingStatus
from budgets.rules import BudgetVariances, LineVariance
from budgets.services import LineInput
from core.money import NOT_GIVEN, format_euros

EXTRA_ROWS = {"74": 2}  # co-funders: room for two more; one spare row in every other chapter


class AmountField(forms.CharField):
    """An amount in euros typed as « 1 234,56 », « 1234.56 » or « 1 234,56 € »."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"})

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return parse_amount(text)
        except AmountError as exc:
            raise ValidationError(str(exc), code="invalid") from exc


@dataclass
class RowSpec:
    """One row of the page: its chapter, its account (fixed or to choose), its forecast."""

    chapter: chart.Chapter
    code: str | None  # None: a spare row where the member chooses the account
    label: str = ""
    label_locked: bool = False
    forecast: Decimal | None = None
    needs_explanation: bool = False
    values: dict = field(default_factory=dict)
    line: object = None  # the saved line shown by this row, for the read-only page
    variance: LineVariance | None = None  # on the actual budget, the row's line against the forecast
    #: On the actual budget, the forecast lines not realised yet that this row may realise (pk, name).
    forecast_choices: list[tuple[int, str]] = field(default_factory=list)

    @property
    def account(self) -> chart.Account | None:
        return chart.ACCOUNTS.get(self.code) if self.code else None

    @property
    def is_spare(self) -> bool:
        """Return True for a row left empty to add a line (its label to write)."""
        return self.line is None and not self.label

    @property
    def is_cofunder(self) -> bool:
        return self.chapter.code == chart.COFUNDER_CHAPTER

    @property
    def line_id(self) -> int | None:
        """Return the saved line this row shows (None: a new line, or a forecast line not realised yet)."""
        return getattr(self.line, "pk", None)

    @property
    def forecast_line_id(self) -> int | None:
        """Return the forecast line this row realises already (its saved link, or the forecast line it stands for)."""
        return self.variance.forecast_line if self.variance is not None else None


class LineForm(forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Compte"), choices=(), required=False)
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=255, required=False)
    amount = AmountField(label=gettext_lazy("Montant"), required=False)
    funding_status = forms.ChoiceField(
        label=gettext_lazy("Demandé ou obtenu"), required=False,
        choices=[("", "—"), *FundingStatus.choices],
    )
    is_granting_funder = forms.BooleanField(label=gettext_lazy("Subvention de la présente convention"), required=False)
    explanation = forms.CharField(
        label=gettext_lazy("Explication de l'écart"), required=False, max_length=MAX_EXPLANATION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    forecast_line = forms.TypedChoiceField(label=gettext_lazy("Réalise la ligne prévue…"), required=False,
                                           coerce=int, empty_value=None)

    def __init__(self, *args, spec: RowSpec, is_actual: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        accounts = [spec.account] if spec.code else list(spec.chapter.accounts)
        self.fields["code"].choices = [(a.code, f"{a.code} – {a.label}") for a in accounts]
        if spec.code:
            self.fields["code"].widget = forms.HiddenInput()
            self.fields["code"].initial = spec.code
        what = f"{spec.code} {spec.label}".strip() if spec.code else _("autre ligne du chapitre %(chapter)s") % {
            "chapter": spec.chapter.code}
        self.row_name = what
        self.fields["amount"].widget.attrs.update({
            "data-side": spec.chapter.side, "data-chapter": spec.chapter.code,
            "data-in-kind": "1" if spec.chapter.in_kind else "0",
        })
        if spec.label_locked:
            self.fields["label"].widget = forms.HiddenInput()
        if not spec.is_cofunder:
            del self.fields["funding_status"], self.fields["is_granting_funder"]
        elif not is_actual and spec.line is not None and spec.line.amount is None:
            self.fields["amount"].widget.attrs["placeholder"] = NOT_GIVEN  # saved « non renseigné », never 0
        if not is_actual:
            del self.fields["explanation"]
        if spec.forecast_choices:
            self.fields["forecast_line"].choices = [("", _("— aucune (non prévue)")),
                                                    *spec.forecast_choices]
        else:
            del self.fields["forecast_line"]
        self.is_actual = is_actual

    def clean(self):
        data = super().clean()
        if self.spec.label_locked:
            data["label"] = self.spec.label
        if self.spec.code:
            data["code"] = self.spec.code
        if (data.get("amount") is not None or self._asked_unknown(data)) and not data.get("code"):
            self.add_error("code", _("Choisissez le compte de cette ligne."))
        if (self.is_actual and self.spec.label_locked and data.get("amount") is None and "amount" not in self.errors
                and (data.get("explanation") or "").strip()):
            data["amount"] = Decimal("0.00")  # a forecast line not realised, explained: realised at 0 €
        return data

    def _asked_unknown(self, data) -> bool:
        """Return True for a co-funder marked « Demandé » whose amount is left empty: not known yet.

        Any other row left empty is no line, as before; an association knows its own amounts,
        and the rule (``budgets.models.unknown_amount_refusal``) keeps the unknown to co-funders asked.
        """
        return (self.spec.is_cofunder and not self.is_actual and data.get("amount") is None
                and data.get("funding_status") == FundingStatus.REQUESTED and bool((data.get("label") or "").strip()))

    def line_input(self) -> LineInput | None:
        data = self.cleaned_data
        if data.get("amount") is None and not self._asked_unknown(data):
            return None
        account = chart.ACCOUNTS[data["code"]]
        return LineInput(
            code=data["code"], amount=data["amount"], label=(data.get("label") or "").strip() or account.label,
            funding_status=data.get("funding_status", ""), is_granting_funder=data.get("is_granting_funder", False),
            explanation=data.get("explanation", ""), line_id=self.spec.line_id,
            forecast_line_id=self.spec.forecast_line_id or data.get("forecast_line"),
        )


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, rows: list[RowSpec], is_actual: bool, **kwargs):
        self.rows = rows
        self.is_actual = is_actual
        kwargs.setdefault("initial", [_initial(row) for row in rows])
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.rows)

    def get_form_kwargs(self, index):
        return {"spec": self.rows[index], "is_actual": self.is_actual}

    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            line = form.line_input()
            if line is None:
                continue
            key = (line.code, line.label)
            if key in seen:
                form.add_error("label", _("La ligne « %(code)s %(label)s » figure déjà plus haut : donnez-lui un "
                                          "autre libellé.") % {"code": line.code, "label": line.label})
            seen[key] = form
        realised = {}
        for form in self.forms:
            line = form.line_input()
            if line is None or line.forecast_line_id is None:
                continue
            other = realised.setdefault(line.forecast_line_id, form)
            if other is not form:  # the error goes on the row whose select chose it
                chooser, kept = (form, other) if "forecast_line" in form.fields else (other, form)
                chooser.add_error("forecast_line" if "forecast_line" in chooser.fields else None, _(
                    "Cette ligne prévue a déjà sa ligne réalisée (« %(label)s ») : laissez celle-ci vide, ou "
                    "choisissez-en une autre.") % {"label": kept.row_name})
        granting = [f for f in self.forms if f.cleaned_data.get("is_granting_funder") and f.line_input()]
        if len(granting) > 1:
            for form in granting[1:]:
                form.add_error("is_granting_funder", _("Une seule ligne peut être celle de la présente convention."))

    def line_inputs(self) -> list[LineInput]:
        return [line for line in (form.line_input() for form in self.forms) if line is not None]

    def groups(self) -> list[tuple[chart.Chapter, list[LineForm]]]:
        """Return (chapter, forms) pairs in the chart's order, for the template."""
        groups: list[tuple[chart.Chapter, list[LineForm]]] = []
        for form in self.forms:
            if not groups or groups[-1][0] != form.spec.chapter:
                groups.append((form.spec.chapter, []))
            groups[-1][1].append(form)
        return groups

    def used_groups(self):
        """Return the chapters that have lines (the actual budget shows them first)."""
        return [(chapter, forms) for chapter, forms in self.groups() if any(f.spec.line for f in forms)]

    def unused_groups(self):
        """Return the chapters without any line, where an unforeseen line can be added."""
        return [(chapter, forms) for chapter, forms in self.groups() if not any(f.spec.line for f in forms)]


#: Rows of the portal's page at most: the budget's lines (on the actual budget, also the forecast's
#: lines not in it yet, hence twice the bound), an empty row per unused account and the spare rows.
#: The bound itself (``MAX_BUDGET_LINES``) is checked by ``budget_save_lines`` with its message.
MAX_PAGE_ROWS = 2 * MAX_BUDGET_LINES + len(chart.ACCOUNTS) + len(chart.CHAPTERS) + sum(EXTRA_ROWS.values())

LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=0, max_num=MAX_PAGE_ROWS,
                                    absolute_max=MAX_PAGE_ROWS)


def _initial(row: RowSpec) -> dict:
    return {"code": row.code, "label": row.label, **row.values}


def budget_rows(*, lines, is_actual: bool, variances: BudgetVariances | None = None) -> list[RowSpec]:
    """Return the page's rows: every saved line, an empty row per unused account, spare rows.

    For the actual budget, every forecast line not realised yet is a row too (its label fixed),
    so that the forecast and the variance stand beside each amount; a new row, or a saved line
    realising none, may say which of those forecast lines it realises (``forecast_choices``).
    """
    by_code: dict[str, list] = {}
    for line in lines:
        by_code.setdefault(line.code, []).append(line)
    unrealised = variances.unrealised if is_actual and variances is not None else []
    for variance in unrealised:
        by_code.setdefault(variance.code, []).append(_Missing(variance.code, variance.label, variance=variance))
    rows = []
    for chapter in chart.CHAPTERS:
        choices = [(v.forecast_line, f"{v.code} {v.label} ({format_euros(v.forecast)})")
                   for v in unrealised if v.account.chapter.code == chapter.code]
        for account in chapter.accounts:
            saved_lines = by_code.get(account.code, [])
            for line in saved_lines:
                variance = _variance(line, variances)
                rows.append(RowSpec(
                    chapter, line.code, line.label, label_locked=isinstance(line, _Missing),
                    forecast=variance.forecast if variance else None,
                    needs_explanation=bool(variance and variance.needs_explanation), values=_values(line),
                    line=line, variance=variance,
                    forecast_choices=choices if variance is not None and variance.forecast_line is None else [],
                ))
            if not saved_lines and not is_actual:
                rows.append(RowSpec(chapter, account.code, account.label))
        single = chapter.accounts[0].code if len(chapter.accounts) == 1 else None
        rows.extend(RowSpec(chapter, single, "", forecast_choices=choices)
                    for _ in range(EXTRA_ROWS.get(chapter.code, 1)))
    return rows


def _variance(line, variances: BudgetVariances | None) -> LineVariance | None:
    if variances is None:
        return None
    if isinstance(line, _Missing):
        return line.variance
    return variances.of_actual_line(line.pk)


@dataclass
class _Missing:
    """A forecast line that no line of the actual budget realises: shown with an empty amount."""

    code: str
    label: str
    amount: Decimal | None = None
    funding_status: str = ""
    is_granting_funder: bool = False
    explanation: str = ""
    variance: LineVariance | None = None
    pk = None  # not saved: a line is created when the member fills or explains it


def _values(line) -> dict:
    amount = line.amount
    return {
        "amount": "" if amount is None else _format_amount(amount),
        "funding_status": line.funding_status, "is_granting_funder": line.is_granting_funder,
        "explanation": line.explanation,
    }


def _format_amount(amount: Decimal) -> str:
    """Show a saved amount the way a member types it: « 1 234,56 » (read back by ``parse_amount``)."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier du budget (.xlsx ou .csv)"),
        help_text=gettext_lazy("Le fichier remplace toutes les lignes du budget. Si une seule ligne est refusée, "
                               "rien n'est enregistré et la liste des erreurs s'affiche."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    #: The budget's version when the page was opened (0: no budget yet); a file sent from a page
    #: older than the budget, or without it, is refused as stale (``budgets.services.budget_import``).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    @classmethod
    def for_budget(cls, budget, *args, **kwargs) -> "ImportForm":
        """Return the form for ``budget`` (None: not created yet), carrying its version."""
        return cls(*args, initial={"version": budget.version if budget is not None else 0}, **kwargs)
