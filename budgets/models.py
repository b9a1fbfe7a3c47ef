"""The association's budget on the Cerfa chart: forecast (12156) and actual (15059)."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, F, Func, IntegerField, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from budgets import chart
from conventions.models import Convention
from core.money import MONEY, NON_NEGATIVE, format_euros


class BudgetKind(models.TextChoices):
    FORECAST = "forecast", _("Budget prévisionnel")
    ACTUAL = "actual", _("Budget réalisé (compte rendu financier)")


class BudgetScope(models.TextChoices):
    GLOBAL = "global", _("Budget global de l'association")
    ACTION = "action", _("Budget de l'action")


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    RETURNED = "returned", _("Renvoyé pour correction")
    VALIDATED = "validated", _("Validé")


class FundingStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    OBTAINED = "obtained", _("Obtenu")


def cofunder_codes() -> list[str]:
    """Return the accounts of chapter 74, one line per funder (the only lines that may be unknown)."""
    return [code for code, account in chart.ACCOUNTS.items() if account.is_cofunder_line]


def unknown_amount_refusal(*, kind: str, code: str, funding_status: str) -> str | None:
    """Return why a line of this budget may not have an unknown amount (« non renseigné »), or None.

    Only a co-funder's line (chapter 74) of the forecast budget, not marked obtained, may: the
    association or the document names a funder asked for a grant whose amount is not known yet
    (the answer is pending, or the document taken over does not give it). Every other amount is
    the association's own figure and is known; an obtained grant has a known amount; and the
    actual budget (compte rendu financier) reports what happened, « 0 » when nothing was
    received. Stored as NULL, never as 0: totals count the known amounts and say how many they
    leave out, and the budget's validation waits for them (``budgets.services``).
    """
    account = chart.ACCOUNTS.get(code)
    if account is None or not account.is_cofunder_line:
        return _("Le montant est manquant : seul le montant d'un cofinancement demandé (chapitre 74) peut "
                 "rester non renseigné.")
    if kind == BudgetKind.ACTUAL:
        return _("Le montant est manquant : le compte rendu financier indique ce qui a été reçu "
                 "(0 si rien ne l'a été).")
    if funding_status == FundingStatus.OBTAINED:
        return _("Le montant est manquant : un financement obtenu a un montant connu ; indiquez-le, ou marquez "
                 "la ligne « Demandé ».")
    return None


#: States in which the association may change its budget; otherwise staff must return it first.
EDITABLE_STATUSES = frozenset({BudgetStatus.DRAFT, BudgetStatus.RETURNED})


class BudgetQuerySet(models.QuerySet):
    def for_list(self):
        """Bundle what the staff list of budgets shows (an application's budget names its association through it)."""
        return self.select_related("convention__beneficiary", "convention__funder", "application__beneficiary")

    def of_agreement(self):
        """Keep the budgets that stand for their agreement as a whole: a one-year agreement's, and a
        multi-year agreement's first year (its fiscal year: the budget annexed to the agreement)."""
        return self.filter(Q(year__isnull=True) | Q(year=F("convention__fiscal_year")))


def _chart_case_sql(values: dict[str, str]) -> str:
    """Return ``CASE <code> WHEN '601' THEN … END`` for a fixed mapping of the chart's codes."""
    if not all(code.isdigit() and value.strip("'").isdigit() for code, value in values.items()):
        raise ValueError("the chart's codes are digits: they are written into SQL as they are")
    return "CASE %(expressions)s " + " ".join(f"WHEN '{code}' THEN {value}" for code, value in values.items()) + " END"


class _ChartCase(Func):
    """A value read from the fixed Cerfa chart for each line's account, as one SQL ``CASE``.

    The chart does not change, so the SQL is written once, at import: a ``Case`` of sixty
    ``When`` objects cost each query about three milliseconds of Python to resolve.
    """

    def __init__(self):
        super().__init__(F("code"))


class ChapterOf(_ChartCase):
    """Each line's chapter code (« 60 », « 74 »…)."""

    template = _chart_case_sql({acc.code: f"'{ch.code}'" for ch in chart.CHAPTERS for acc in ch.accounts})
    output_field = CharField()


class ChartRank(_ChartCase):
    """Each line's account position in the printed form."""

    template = _chart_case_sql({code: str(rank) for code, rank in chart.account_order().items()})
    output_field = IntegerField()


def chapter_expression() -> ChapterOf:
    """Return a database expression giving each line's chapter code (from the chart)."""
    return ChapterOf()


def chart_rank_expression() -> ChartRank:
    """Return a database expression giving each line's account position in the printed form."""
    return ChartRank()


class BudgetLineQuerySet(models.QuerySet):
    def in_chart_order(self):
        """Order lines as the Cerfa form prints them: by account, then as entered."""
        return self.alias(chart_rank=chart_rank_expression()).order_by("chart_rank", "position", "pk")


class Budget(models.Model):
    #: Empty only for the forecast budget of an application (``campaigns``) with no agreement yet.
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("convention"),
        null=True, blank=True,
    )
    kind = models.CharField(_("nature"), max_length=10, choices=BudgetKind.choices, default=BudgetKind.FORECAST)
    #: The year of a multi-year agreement this budget is of (one forecast and one actual a year);
    #: empty for a one-year agreement, whose budgets are the agreement's.
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    scope = models.CharField(_("périmètre"), max_length=10, choices=BudgetScope.choices, default=BudgetScope.GLOBAL)
    status = models.CharField(_("état"), max_length=10, choices=BudgetStatus.choices, default=BudgetStatus.DRAFT)
    declared_total_charges = models.DecimalField(
        _("total des charges déclaré"), null=True, blank=True, **MONEY,
        help_text=_("Total imprimé sur un document repris de l'existant ; le logiciel calcule le sien."),
    )
    declared_total_products = models.DecimalField(
        _("total des produits déclaré"), null=True, blank=True, **MONEY,
        help_text=_("Total imprimé sur un document repris de l'existant ; le logiciel calcule le sien."),
    )
    certified_by = models.CharField(_("certifié par"), max_length=150, blank=True)
    certified_place = models.CharField(_("fait à"), max_length=100, blank=True)
    certified_on = models.DateField(_("le"), null=True, blank=True)
    review_comment = models.TextField(_("commentaire de l'instructeur"), blank=True)
    #: Who deposited the budget last (``budgets.services.budget_submit``): they may not validate it.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("déposé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()
    objects = BudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["convention", "kind", "year"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "kind"], condition=Q(year__isnull=True),
                                    name="budget_unique_kind_per_convention"),
            models.UniqueConstraint(fields=["convention", "kind", "year"], condition=Q(year__isnull=False),
                                    name="budget_unique_kind_per_convention_year"),
            models.CheckConstraint(condition=Q(kind__in=BudgetKind.values), name="budget_kind_valid"),
            # Only a forecast may wait for its agreement (an application's budget): the actual one reports on it.
            models.CheckConstraint(condition=Q(convention__isnull=False) | Q(kind=BudgetKind.FORECAST),
                                   name="budget_actual_has_convention"),
            models.CheckConstraint(condition=Q(scope__in=BudgetScope.values), name="budget_scope_valid"),
            models.CheckConstraint(condition=Q(status__in=BudgetStatus.values), name="budget_status_valid"),
        ]

    def __str__(self):
        if self.convention_id is None:
            return f"{self.get_kind_display()} — {_('candidature')}"
        if self.year:
            return f"{self.get_kind_display()} {self.year} — {self.convention.reference}"
        return f"{self.get_kind_display()} — {self.convention.reference}"

    @property
    def beneficiary(self):
        """Return the association whose budget this is: its agreement's, or its application's (no agreement yet)."""
        if self.convention_id is not None:
            return self.convention.beneficiary
        application = getattr(self, "application", None)  # campaigns.Application.budget (reverse one-to-one)
        return application.beneficiary if application is not None else None

    @property
    def is_application_budget(self) -> bool:
        """Return True for the forecast budget of an application not yet turned into an agreement."""
        return self.convention_id is None

    @property
    def is_editable(self) -> bool:
        """Return True while the association may change the budget (draft or returned)."""
        return self.status in EDITABLE_STATUSES

    @property
    def is_actual(self) -> bool:
        return self.kind == BudgetKind.ACTUAL


class BudgetLine(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines", verbose_name=_("budget"))
    code = models.CharField(_("compte"), max_length=4, choices=chart.account_choices())
    label = models.CharField(
        _("libellé"), max_length=255,
        help_text=_("Pour le chapitre 74, le nom du cofinanceur (par exemple « Région Sud »)."),
    )
    amount = models.DecimalField(
        _("montant"), validators=NON_NEGATIVE, null=True, blank=True, **MONEY,
        help_text=_("Vide : non renseigné (seul un cofinancement demandé du chapitre 74 peut l'être)."),
    )
    funding_status = models.CharField(
        _("demandé ou obtenu"), max_length=10, choices=FundingStatus.choices, blank=True
    )
    is_granting_funder = models.BooleanField(
        _("ligne de la collectivité attribuante"), default=False,
        help_text=_("Cochez la ligne du chapitre 74 qui correspond à la subvention de cette convention."),
    )
    explanation = models.TextField(_("explication de l'écart"), blank=True)
    #: On an actual budget, the forecast line this line realises (same agreement and year): the
    #: variance follows it when the line is renamed or moved to another account (``budgets.rules``).
    forecast_line = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="realised_by",
        verbose_name=_("réalise la ligne prévue"),
        help_text=_("La ligne du budget prévisionnel dont cette ligne est le réalisé, même renommée."),
        error_messages={"unique": _("Cette ligne prévue est déjà réalisée par une autre ligne.")},
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)

    history = HistoricalRecords()
    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("ligne budgétaire")
        verbose_name_plural = _("lignes budgétaires")
        ordering = ["budget", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "code", "label"], name="budgetline_unique_label_per_account"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budgetline_amount_non_negative"),
            # Unknown (NULL) only for a co-funder not marked obtained (``unknown_amount_refusal``).
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | (Q(code__in=cofunder_codes()) & ~Q(funding_status="obtained")),
                name="budgetline_unknown_amount_only_cofunder",
            ),
            models.CheckConstraint(condition=Q(code__in=list(chart.ACCOUNTS)), name="budgetline_code_in_chart"),
        ]

    def __str__(self):
        return f"{self.code} {self.label} : {format_euros(self.amount)}"

    def save(self, *args, **kwargs):
        if not self.label:
            self.label = chart.ACCOUNTS[self.code].label
        if not self.position:
            self.position = (chart.account_order()[self.code] + 1) * 100
        super().save(*args, **kwargs)

    def clean(self):
        self._clean_forecast_line()
        if self.amount is not None or not self.code:
            return
        try:
            kind = self.budget.kind
        except Budget.DoesNotExist:  # a line not attached yet is checked again with its budget
            return
        refusal = unknown_amount_refusal(kind=kind, code=self.code, funding_status=self.funding_status)
        if refusal:
            raise ValidationError({"amount": refusal})

    def _clean_forecast_line(self):
        """Refuse a link to a line that is not of this actual budget's forecast (same agreement and year)."""
        if self.forecast_line_id is None or self.budget_id is None:
            return
        forecast, budget = self.forecast_line.budget, self.budget
        if not (budget.kind == BudgetKind.ACTUAL and forecast.kind == BudgetKind.FORECAST
                and forecast.convention_id == budget.convention_id and forecast.year == budget.year):
            raise ValidationError({"forecast_line": _(
                "Choisissez une ligne du budget prévisionnel de la même convention et de la même année.")})

    @property
    def account(self) -> chart.Account:
        return chart.ACCOUNTS[self.code]
