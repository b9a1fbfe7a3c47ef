"""Indicators of annex V: definitions grouped in yearly sets, and the reports that fill them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention
from core.deadlines import YEAR_RANGE
from indicators.choices import PART_LABELS, Role, ValueType  # noqa: F401 - the models' choices, re-exported
from indicators.rules import definition_errors


class IndicatorSet(models.Model):
    name = models.CharField(_("nom"), max_length=255)
    structure_type = models.CharField(
        _("type de structure"), max_length=150,
        help_text=_("Par exemple : structures d'appui à l'écosystème d'innovation."),
    )
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR_RANGE)
    introduction = models.TextField(_("texte d'introduction"), blank=True)
    is_default = models.BooleanField(
        _("jeu par défaut"), default=False,
        help_text=_("Utilisé pour les associations qui n'ont encore rendu aucun rapport d'indicateurs. "
                    "Un seul jeu par défaut par année."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jeu d'indicateurs")
        verbose_name_plural = _("jeux d'indicateurs")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["structure_type", "year", "name"], name="indicatorset_unique"),
            models.UniqueConstraint(fields=["year"], condition=Q(is_default=True), name="indicatorset_one_default_per_year"),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})"


class IndicatorDefinition(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="definitions", verbose_name=_("jeu")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
        verbose_name=_("indicateur parent"),
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MAIN)
    code = models.CharField(
        _("code"), max_length=40,
        validators=[RegexValidator(r"^[a-z0-9_.-]+$", _("Le code ne contient que des minuscules sans accent, "
                                                          "des chiffres, « _ », « - » et « . »."))],
        help_text=_("Stable d'une année sur l'autre : il relie les valeurs d'un même indicateur entre les années."),
    )
    label = models.CharField(_("libellé"), max_length=255)
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    value_type = models.CharField(_("type de valeur"), max_length=12, choices=ValueType.choices, default=ValueType.COUNT)
    split_by_sex = models.BooleanField(_("ventilé femmes / hommes"), default=False)
    is_required = models.BooleanField(_("obligatoire"), default=True)
    help_text = models.TextField(_("aide"), blank=True)
    position = models.PositiveIntegerField(_("ordre"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("définition d'indicateur")
        verbose_name_plural = _("définitions d'indicateurs")
        ordering = ["indicator_set", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="indicatordefinition_unique_code"),
            models.CheckConstraint(
                condition=Q(role="main", parent__isnull=True) | (~Q(role="main") & Q(parent__isnull=False)),
                name="indicatordefinition_parent_matches_role",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.label}"

    def clean(self):
        errors = definition_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_numeric(self) -> bool:
        return self.value_type != ValueType.TEXT

    @property
    def parts(self) -> tuple[str, ...]:
        """Return the value fields this indicator is reported in."""
        if not self.is_numeric:
            return ("text",)
        return SPLIT_PARTS if self.split_by_sex else ("total",)


#: The fields of a value split women / men (total first).
SPLIT_PARTS = ("total", "women", "men", "not_stated")
NUMBER_PARTS = SPLIT_PARTS
class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Transmis")
    RETURNED = "returned", _("Renvoyé pour correction")
    VALIDATED = "validated", _("Validé")


#: The report's pipeline: for each state, the states it may move to.
REPORT_TRANSITIONS = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.VALIDATED, ReportStatus.RETURNED},
    ReportStatus.RETURNED: {ReportStatus.SUBMITTED},
    ReportStatus.VALIDATED: set(),
}
#: States in which the association may still change its figures.
EDITABLE_STATES = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class IndicatorReportQuerySet(models.QuerySet):
    def yearly(self):
        """Return the yearly reports, leaving out multi-year records of earlier periods."""
        return self.filter(period_label="")

    def for_year(self, year: int):
        return self.yearly().filter(year=year)

    def of_beneficiary(self, beneficiary_id: int):
        return self.filter(convention__beneficiary_id=beneficiary_id)


class IndicatorReport(models.Model):
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="indicator_reports", verbose_name=_("convention")
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, related_name="reports", verbose_name=_("jeu d'indicateurs")
    )
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR_RANGE)
    period_label = models.CharField(
        _("période"), max_length=50, blank=True,
        help_text=_("Pour un bilan pluriannuel, par exemple « 2019-2022 »."),
    )
    status = models.CharField(_("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    due_on = models.DateField(_("à transmettre avant le"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("transmis le"), null=True, blank=True)
    review_comment = models.TextField(_("commentaire de l'instructeur"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("revu par")
    )
    reviewed_at = models.DateTimeField(_("revu le"), null=True, blank=True)

    history = HistoricalRecords()
    objects = IndicatorReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("rapport d'indicateurs")
        verbose_name_plural = _("rapports d'indicateurs")
        ordering = ["convention", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "year", "period_label"], name="indicatorreport_unique_year"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="indicatorreport_status_valid"),
        ]

    def __str__(self):
        return f"{self.convention.reference} — {self.period_label or self.year}"

    @property
    def label(self) -> str:
        """Return « 2023 » or the period « 2019-2022 »."""
        return self.period_label or str(self.year)

    @property
    def is_editable(self) -> bool:
        """Return True while the association may change its figures (draft, or returned)."""
        return self.status in EDITABLE_STATES


class ValueFields(models.Model):
    """The figures of one indicator: a total, its split women / men / not stated, or a text."""

    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, null=True, blank=True)
    women = models.DecimalField(_("femmes"), max_digits=16, decimal_places=2, null=True, blank=True)
    men = models.DecimalField(_("hommes"), max_digits=16, decimal_places=2, null=True, blank=True)
    not_stated = models.DecimalField(_("non renseigné"), max_digits=16, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("texte"), blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.definition.code} : {self.total if self.total is not None else self.text}"

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, part) is None for part in SPLIT_PARTS) and not self.text


NON_NEGATIVE_VALUES = (
    (Q(total__isnull=True) | Q(total__gte=0))
    & (Q(women__isnull=True) | Q(women__gte=0))
    & (Q(men__isnull=True) | Q(men__gte=0))
    & (Q(not_stated__isnull=True) | Q(not_stated__gte=0))
)


class IndicatorValue(ValueFields):
    """The current figures of a report for one indicator (what the association is editing)."""

    report = models.ForeignKey(IndicatorReport, on_delete=models.CASCADE, related_name="values", verbose_name=_("rapport"))
    definition = models.ForeignKey(
        IndicatorDefinition, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicateur")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateurs")
        ordering = ["report", "definition__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "definition"], name="indicatorvalue_unique"),
            models.CheckConstraint(condition=NON_NEGATIVE_VALUES, name="indicatorvalue_non_negative"),
        ]


class SubmissionOutcome(models.TextChoices):
    PENDING = "pending", _("En attente d'examen")
    VALIDATED = "validated", _("Validée")
    RETURNED = "returned", _("Renvoyée pour correction")


class IndicatorSubmission(models.Model):
    """One submission of a report, frozen with its figures: a resubmission never overwrites it."""

    report = models.ForeignKey(
        IndicatorReport, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("rapport")
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    submitted_at = models.DateTimeField(_("transmise le"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("transmise par"),
    )
    outcome = models.CharField(
        _("suite donnée"), max_length=10, choices=SubmissionOutcome.choices, default=SubmissionOutcome.PENDING
    )
    review_comment = models.TextField(_("commentaire de l'instructeur"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("examinée par"),
    )
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("transmission d'un rapport d'indicateurs")
        verbose_name_plural = _("transmissions des rapports d'indicateurs")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="indicatorsubmission_unique_number"),
            models.CheckConstraint(condition=Q(outcome__in=SubmissionOutcome.values), name="indicatorsubmission_outcome_valid"),
        ]

    def __str__(self):
        return _("Transmission n° %(number)s — %(report)s") % {"number": self.number, "report": self.report}


class SubmittedValue(ValueFields):
    """The figures of one indicator as they were in one submission."""

    submission = models.ForeignKey(
        IndicatorSubmission, on_delete=models.CASCADE, related_name="values", verbose_name=_("transmission")
    )
    definition = models.ForeignKey(
        IndicatorDefinition, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicateur")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("valeur transmise")
        verbose_name_plural = _("valeurs transmises")
        ordering = ["submission", "definition__position"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "definition"], name="submittedvalue_unique"),
            models.CheckConstraint(condition=NON_NEGATIVE_VALUES, name="submittedvalue_non_negative"),
        ]
