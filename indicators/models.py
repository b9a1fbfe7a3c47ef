"""Indicators of annex V: definitions grouped in yearly sets, and the reports that fill them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention


class IndicatorSet(models.Model):
    name = models.CharField(_("nom"), max_length=255)
    structure_type = models.CharField(
        _("type de structure"), max_length=150,
        help_text=_("Par exemple : structures d'appui à l'écosystème d'innovation."),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    introduction = models.TextField(_("texte d'introduction"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("jeu d'indicateurs")
        verbose_name_plural = _("jeux d'indicateurs")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["structure_type", "year", "name"], name="indicatorset_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.year})"


class ValueType(models.TextChoices):
    COUNT = "count", _("Nombre")
    AMOUNT = "amount", _("Montant (€)")
    PERCENTAGE = "percentage", _("Pourcentage")
    TEXT = "text", _("Texte")


class Role(models.TextChoices):
    MAIN = "main", _("Indicateur")
    BAND = "band", _("Tranche (la somme des tranches égale le total)")
    OF_WHICH = "of_which", _("Dont (partie du total)")


class IndicatorDefinition(models.Model):
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="definitions", verbose_name=_("jeu")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
        verbose_name=_("indicateur parent"),
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MAIN)
    code = models.CharField(_("code"), max_length=40)
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


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Transmis")
    RETURNED = "returned", _("Renvoyé pour correction")
    VALIDATED = "validated", _("Validé")


class IndicatorReport(models.Model):
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="indicator_reports", verbose_name=_("convention")
    )
    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.PROTECT, related_name="reports", verbose_name=_("jeu d'indicateurs")
    )
    year = models.PositiveSmallIntegerField(_("année"))
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

    history = HistoricalRecords()

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


class IndicatorValue(models.Model):
    report = models.ForeignKey(IndicatorReport, on_delete=models.CASCADE, related_name="values", verbose_name=_("rapport"))
    definition = models.ForeignKey(
        IndicatorDefinition, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicateur")
    )
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, null=True, blank=True)
    women = models.DecimalField(_("femmes"), max_digits=16, decimal_places=2, null=True, blank=True)
    men = models.DecimalField(_("hommes"), max_digits=16, decimal_places=2, null=True, blank=True)
    not_stated = models.DecimalField(_("non renseigné"), max_digits=16, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("texte"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateurs")
        ordering = ["report", "definition__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "definition"], name="indicatorvalue_unique"),
            models.CheckConstraint(
                condition=(Q(total__isnull=True) | Q(total__gte=0))
                & (Q(women__isnull=True) | Q(women__gte=0))
                & (Q(men__isnull=True) | Q(men__gte=0))
                & (Q(not_stated__isnull=True) | Q(not_stated__gte=0)),
                name="indicatorvalue_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.definition.code} : {self.total if self.total is not None else self.text}"
