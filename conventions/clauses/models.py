"""Clause templates: the agreement's text per funder, versioned, and one agreement's adjusted text.

A funder publishes versions of its model agreement (preamble, articles 1 to 13 with their
sub-articles). Each section's title and body use Django template syntax for the figures filled
from data (``{{ amount }}``, ``{{ share }}``…, see ``clause_engine.PLACEHOLDERS``). Until the
vote, staff may adjust one agreement's sections: those copies are what gets printed.

Imported by ``conventions.models`` so that Django registers these models with the app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.clauses.engine import clause_check

PREAMBLE_NUMBER = "preambule"


def validate_section_number(value: str) -> None:
    """Accept « preambule », an article number (« 4 ») or a sub-article number (« 4.2 »)."""
    if value == PREAMBLE_NUMBER:
        return
    head, _sep, tail = value.partition(".")
    if not head.isdigit() or (tail and not tail.isdigit()) or value.count(".") > 1:
        raise ValidationError(
            _("Numéro invalide « %(value)s » : « preambule », un article (« 4 ») ou un sous-article (« 4.2 »)."),
            params={"value": value},
        )


class SectionFields(models.Model):
    """What a section of the agreement holds: its number, title and text, in print order."""

    number = models.CharField(
        _("numéro"), max_length=12, validators=[validate_section_number],
        help_text=_("« preambule », « 4 » pour un article, « 4.2 » pour un sous-article."),
    )
    title = models.CharField(_("titre"), max_length=255)
    body = models.TextField(
        _("texte"), blank=True,
        help_text=_(
            "Un paragraphe par bloc séparé d'une ligne vide ; « - » en début de ligne pour une puce "
            "(deux espaces devant pour une sous-puce) ; **gras**. Données : {{ amount }}, {{ share }}…"
        ),
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self):
        return self.heading

    @property
    def is_preamble(self) -> bool:
        return self.number == PREAMBLE_NUMBER

    @property
    def is_article(self) -> bool:
        """Return True for a top-level article (« 4 »), False for a sub-article or the preamble."""
        return not self.is_preamble and "." not in self.number

    @property
    def heading(self) -> str:
        if self.is_preamble:
            return str(self.title)
        if self.is_article:
            return f"Article {self.number} : {self.title}"
        return f"{self.number} {self.title}"

    def clean(self):
        errors = {}
        for field in ("title", "body"):
            message = clause_check(getattr(self, field))
            if message:
                errors[field] = message
        if errors:
            raise ValidationError(errors)


class ClauseTemplateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current_for(self, funder):
        """Return the funder's latest published version, or None."""
        return self.published().filter(funder=funder).order_by("-version").first()


class ClauseTemplate(models.Model):
    """One version of a funder's model agreement. Published versions never change."""

    funder = models.ForeignKey(
        "conventions.Funder", on_delete=models.PROTECT, related_name="clause_templates",
        verbose_name=_("collectivité"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(
        _("intitulé"), max_length=255, default="Convention annuelle d'objectifs",
        help_text=_("Titre imprimé en tête de la convention."),
    )
    note = models.TextField(_("ce qui change dans cette version"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("publiée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ClauseTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("modèle de clauses")
        verbose_name_plural = _("modèles de clauses")
        ordering = ["funder", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "version"], name="clausetemplate_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="clausetemplate_version_positive"),
        ]

    def __str__(self):
        state = _("publiée") if self.is_published else _("brouillon")
        return f"{self.funder} — {self.name}, version {self.version} ({state})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ClauseTemplateSection(SectionFields):
    """One section (preamble, article or sub-article) of a clause template."""

    template = models.ForeignKey(
        ClauseTemplate, on_delete=models.CASCADE, related_name="sections", verbose_name=_("modèle"),
    )

    history = HistoricalRecords()

    class Meta(SectionFields.Meta):
        verbose_name = _("clause du modèle")
        verbose_name_plural = _("clauses du modèle")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="clausetemplatesection_unique_number"),
        ]


class ConventionClause(SectionFields):
    """One section of one agreement's text, copied from the template and adjustable until the vote."""

    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, related_name="clauses",
        verbose_name=_("convention"),
    )
    source = models.ForeignKey(
        ClauseTemplateSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("clause du modèle d'origine"),
    )

    history = HistoricalRecords()

    class Meta(SectionFields.Meta):
        verbose_name = _("article de la convention")
        verbose_name_plural = _("articles de la convention (texte adapté)")
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="conventionclause_unique_number"),
        ]


class FinancialRulesVersion(models.Model):
    """One version of a funder's financial rules (« règlement budgétaire et financier »), by date.

    An agreement cites the version in force on its reference date (``conventions.references``):
    a 2017 agreement cites the rules of 2017, not those adopted in 2020.
    """

    funder = models.ForeignKey(
        "conventions.Funder", on_delete=models.PROTECT, related_name="financial_rules_versions",
        verbose_name=_("collectivité"),
    )
    reference = models.CharField(
        _("référence"), max_length=255,
        help_text=_("Telle que citée par la convention, par exemple : règlement budgétaire et financier approuvé "
                    "par la délibération n° … du …"),
    )
    valid_from = models.DateField(_("en vigueur à partir du"))
    valid_until = models.DateField(_("en vigueur jusqu'au"), null=True, blank=True,
                                   help_text=_("Laissé vide : toujours en vigueur."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("version du règlement financier")
        verbose_name_plural = _("versions du règlement financier")
        ordering = ["funder", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "valid_from"], name="financialrulesversion_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="financialrulesversion_period_ordered",
            ),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("La fin de validité ne peut pas précéder son début.")})
