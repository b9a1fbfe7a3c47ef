"""The funder, the agreement (convention d'objectifs), its amendments and its status history."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.identifiers import IdentifierField, validate_siret
from beneficiaries.models import Beneficiary
from conventions.deliberation import deliberation_date_clean, deliberation_missing
from conventions.legality import legality_clean
from conventions.parties import signatory_title_errors
from conventions.tranches import multiannual_period_refusal
from core.dates import MONTHS
from core.deadlines import YEAR_RANGE
from core.money import MONEY, NON_NEGATIVE, PERCENT_RANGE, ZERO
from core.storage import private_storage


class Funder(models.Model):
    """The granting authority (« attribuant »): its identity and its financial rules."""

    name = models.CharField(_("nom"), max_length=255)
    short_name = models.CharField(
        _("appellation dans la convention"), max_length=100, default="la Métropole",
        help_text=_("Comment le texte désigne la collectivité, par exemple « la Métropole »."),
    )
    legal_form = models.CharField(_("forme juridique"), max_length=100, default="E.P.C.I.")
    siret = IdentifierField(
        _("SIRET"), max_length=14, unique=True, validators=[validate_siret],
        help_text=_("14 chiffres, tels qu'imprimés : les espaces et les points sont retirés."),
    )
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=100)
    representative_title = models.CharField(
        _("qualité du représentant"), max_length=100, default="La Présidente"
    )
    representative_name = models.CharField(_("nom du représentant"), max_length=150)
    signature_place = models.CharField(_("lieu de signature"), max_length=100)
    advance_cap_percent = models.DecimalField(
        _("plafond de l'acompte (%)"), max_digits=5, decimal_places=2, default=Decimal("80"),
        validators=PERCENT_RANGE,
    )
    variance_threshold_percent = models.DecimalField(
        _("seuil d'écart à justifier (%)"), max_digits=5, decimal_places=2, default=Decimal("15"),
        validators=PERCENT_RANGE,
        help_text=_("Au compte rendu financier, tout écart supérieur à ce seuil doit être expliqué."),
    )
    financial_rules_reference = models.CharField(
        _("référence du règlement budgétaire et financier"), max_length=255, blank=True,
        help_text=_("Par exemple : délibération n° … du …"),
    )
    budget_imputation = models.CharField(
        _("budget d'imputation"), max_length=150, default="budget principal",
    )
    court_name = models.CharField(_("juridiction compétente"), max_length=150)
    court_address = models.CharField(_("adresse de la juridiction"), max_length=255, blank=True)
    service_name = models.CharField(
        _("service instructeur"), max_length=150, blank=True,
        help_text=_("Le service qui instruit les conventions, tel que les associations le voient sur le portail, "
                    "par exemple « Direction de la vie associative »."),
    )
    service_address = models.CharField(
        _("adresse postale du service instructeur"), max_length=255, blank=True,
        help_text=_("Laissée vide : l'adresse de la collectivité."),
    )
    service_phone = models.CharField(_("téléphone du service instructeur"), max_length=30, blank=True)
    email = models.EmailField(_("courriel du service instructeur"), blank=True)
    finance_email = models.EmailField(_("courriel du service des finances"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="funders/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collectivité attribuante")
        verbose_name_plural = _("collectivités attribuantes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(advance_cap_percent__gte=0, advance_cap_percent__lte=100),
                name="funder_advance_cap_0_100",
            ),
            models.CheckConstraint(
                condition=Q(variance_threshold_percent__gte=0, variance_threshold_percent__lte=100),
                name="funder_variance_threshold_0_100",
            ),
        ]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposée par l'association")
    IN_REVIEW = "in_review", _("En instruction")
    VOTED = "voted", _("Votée")
    SIGNED = "signed", _("Signée")
    ACTIVE = "active", _("En cours (notifiée)")
    JUSTIFICATION = "justification", _("Justification attendue")
    CLOSED = "closed", _("Soldée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")
    TERMINATED = "terminated", _("Résiliée")


#: States in which what was signed can no longer change except by an amendment.
SIGNED_STATES = frozenset({Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION, Status.CLOSED, Status.TERMINATED})
#: States reached through the vote: the deliberation is complete there, never a placeholder.
VOTED_STATES = SIGNED_STATES | {Status.VOTED}


class Kind(models.TextChoices):
    OPERATING = "operating", _("Subvention de fonctionnement global")
    SPECIFIC = "specific", _("Subvention de fonctionnement spécifique (action ou projet)")


class DeliberationBody(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    COUNCIL = "council", _("Conseil")


class ConventionQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(fiscal_year=year)

    def signed(self):
        return self.filter(status__in=SIGNED_STATES)

    def with_amount_in_force(self):
        """Annotate each agreement with ``amount_in_force``, signed amendments included, in the same query.

        The rule is ``amount_in_force_expression`` below; ``conventions.amounts.effective_amount``
        reads this annotation when it is there.
        """
        return self.annotate(amount_in_force=amount_in_force_expression())


class Convention(models.Model):
    """An agreement between the funder and one association, for one fiscal year or period."""

    reference = models.CharField(_("référence"), max_length=50, unique=True)
    kind = models.CharField(_("type de subvention"), max_length=20, choices=Kind.choices, default=Kind.OPERATING)
    is_multiannual = models.BooleanField(_("pluriannuelle"), default=False)
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("collectivité"))
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("association")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("exercice"), validators=YEAR_RANGE)
    period_start = models.DateField(_("début de la période"), null=True, blank=True)
    period_end = models.DateField(_("fin de la période"), null=True, blank=True)
    title = models.CharField(
        _("objet"), max_length=255,
        help_text=_("Objet court de la subvention, repris dans les exports en données ouvertes."),
    )
    action_title = models.CharField(
        _("intitulé de l'action"), max_length=255, blank=True,
        help_text=_("Pour une subvention spécifique : l'action ou le projet financé."),
    )
    document_title = models.CharField(
        _("titre du document"), max_length=255, blank=True,
        help_text=_("Titre imprimé en tête de la convention, par exemple « Convention attributive de subvention ». "
                    "Laissé vide : le nom du modèle de clauses (« Convention annuelle d'objectifs »)."),
    )
    document_number = models.CharField(
        _("numéro du dossier"), max_length=60, blank=True,
        help_text=_("Numéro propre au document, imprimé « Dossier n° … » sous son titre "
                    "(par exemple celui de la demande, « GU-2023-00145 »). Laissé vide : rien n'est imprimé."),
    )
    preamble = models.TextField(_("préambule"), blank=True)
    objectives = models.TextField(
        _("objectifs (article 1)"), blank=True,
        help_text=_("Un objectif par ligne."),
    )
    programme_summary = models.TextField(
        _("catégories d'actions du programme (article 1)"), blank=True, help_text=_("Une catégorie par ligne."),
    )
    action_programme = models.TextField(_("programme d'actions (annexe III)"), blank=True)
    non_financial_contributions = models.TextField(_("contributions non financières (annexe II)"), blank=True)
    deliberation_body = models.CharField(
        _("instance de la délibération"), max_length=10, choices=DeliberationBody.choices, blank=True
    )
    deliberation_number = models.CharField(
        _("numéro de la délibération"), max_length=60, blank=True,
        help_text=_("Avant la séance, un numéro provisoire (« 2020/.... », « à compléter ») est accepté : "
                    "il est imprimé comme un blanc à remplir, et le vote est refusé tant qu'il n'est pas remplacé."),
    )
    deliberation_date = models.DateField(
        _("date de la délibération"), null=True, blank=True,
        help_text=_("La date exacte, une fois connue. Avant, indiquez ci-dessous ce qui est connu (l'année, le mois)."),
    )
    deliberation_year = models.PositiveSmallIntegerField(
        _("année de la délibération (date incomplète)"), null=True, blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("Seulement tant que la date exacte n'est pas connue."),
    )
    deliberation_month = models.PositiveSmallIntegerField(
        _("mois de la délibération (date incomplète)"), null=True, blank=True,
        choices=[(number, name) for number, name in enumerate(MONTHS, start=1)],
        help_text=_("Seulement tant que la date exacte n'est pas connue."),
    )
    # Not given (NULL) while the vote is pending: « non renseigné », never 0 €; the vote needs it.
    amount_granted = models.DecimalField(
        _("montant attribué"), validators=NON_NEGATIVE, null=True, blank=True, **MONEY,
        help_text=_("Laissé vide tant que le vote n'a pas fixé le montant (non renseigné) : le vote l'exige."),
    )
    amount_is_maximum = models.BooleanField(
        _("montant maximal (« dans la limite de »)"), default=False,
        help_text=_("Le montant attribué est un plafond : le solde est calculé au prorata des dépenses réelles "
                    "de l'action, sans jamais dépasser ce montant ni ces dépenses."),
    )
    eligible_base = models.DecimalField(
        _("assiette éligible"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
        help_text=_("Dépenses éligibles de l'action retenues par la délibération, lorsque aucun budget n'est "
                    "joint : la part de la collectivité et le prorata du solde s'y rapportent."),
    )
    advance_cap_percent = models.DecimalField(
        _("plafond de l'acompte (%)"), max_digits=5, decimal_places=2, validators=PERCENT_RANGE, blank=True,
        help_text=_("Laissé vide, celui du règlement financier de la collectivité."),
    )
    stated_share_percent = models.DecimalField(
        _("part indiquée dans le texte (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Telle qu'imprimée dans une convention reprise de l'existant ; contrôlée contre le calcul."),
    )
    stated_eligible_expenses = models.DecimalField(
        _("dépenses éligibles indiquées dans le texte"), null=True, blank=True, **MONEY,
        help_text=_("Telles qu'imprimées dans une convention reprise de l'existant ; contrôlées contre le budget."),
    )
    stated_eligible_expenses_printed = models.CharField(
        _("dépenses éligibles : texte imprimé"), max_length=40, blank=True,
        help_text=_("Le montant recopié tel qu'imprimé (par exemple « 1.163.53€ ») ; un montant mal formé est "
                    "signalé avec sa valeur probable au lieu d'être deviné."),
    )
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    instructing_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True}, verbose_name=_("agent instructeur"),
        help_text=_("L'agent que l'association peut contacter : son nom figure sur le portail, avec les coordonnées "
                    "du service instructeur."),
    )
    beneficiary_signatory = models.CharField(
        _("signataire pour l'association"), max_length=150, blank=True,
        help_text=_("Laissé vide : le représentant légal de l'association."),
    )
    beneficiary_signatory_title = models.CharField(
        _("qualité du signataire pour l'association"), max_length=150, blank=True,
        help_text=_("Avec son article, par exemple « La Trésorière ». Laissée vide : celle du représentant légal."),
    )
    beneficiary_signed_on = models.DateField(_("signée par l'association le"), null=True, blank=True)
    funder_signatory = models.CharField(
        _("signataire pour la collectivité"), max_length=150, blank=True,
        help_text=_("Laissé vide : le représentant de la collectivité indiqué sur sa fiche."),
    )
    funder_signatory_title = models.CharField(
        _("qualité du signataire pour la collectivité"), max_length=150, blank=True,
        help_text=_("Avec son article, par exemple « Le Vice-Président délégué au développement économique ». "
                    "Laissée vide : celle du représentant de la collectivité."),
    )
    funder_signatory_delegation = models.CharField(
        _("délégation de signature"), max_length=255, blank=True,
        help_text=_("Si le signataire agit par délégation : l'acte qui la lui donne, par exemple "
                    "« arrêté n° 23/045/CM du 12 janvier 2023 ». La convention imprime alors "
                    "« Pour la Présidente et par délégation »."),
    )
    funder_signed_on = models.DateField(_("signée par la collectivité le"), null=True, blank=True)
    notified_on = models.DateField(_("notifiée le"), null=True, blank=True)
    legality_transmitted_on = models.DateField(
        _("transmise au contrôle de légalité le"), null=True, blank=True,
        help_text=_("Date de l'envoi de la convention signée à la préfecture."),
    )
    legality_received_on = models.DateField(
        _("reçue au contrôle de légalité le"), null=True, blank=True,
        help_text=_("Date de l'accusé de réception de la préfecture : la convention est exécutoire à compter de cette date."),
    )
    signed_pdf = models.FileField(_("PDF signé"), upload_to="conventions/signed/", storage=private_storage, blank=True)
    signed_pdf_sha256 = models.CharField(_("empreinte SHA-256 du PDF signé"), max_length=64, blank=True)
    formal_notice_on = models.DateField(
        _("mise en demeure envoyée le"), null=True, blank=True,
        help_text=_("Art. 8 : la résiliation n'est possible qu'un mois après une mise en demeure restée sans effet."),
    )
    terminated_on = models.DateField(_("résiliée le"), null=True, blank=True)
    open_data_published_on = models.DateField(
        _("publiée en données ouvertes le"), null=True, blank=True,
        help_text=_("Date de mise en ligne des données essentielles au format SCDL (décret n° 2017-779)."),
    )
    # Set only by the renewal (dossier.renewal.convention_renew): one renewal per agreement.
    renewed_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="renewal",
        verbose_name=_("renouvellement de la convention"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()
    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("convention d'objectifs")
        verbose_name_plural = _("conventions d'objectifs")
        ordering = ["-fiscal_year", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="convention_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="convention_kind_valid"),
            models.CheckConstraint(condition=Q(amount_granted__gte=0), name="convention_amount_non_negative"),
            models.CheckConstraint(condition=Q(eligible_base__gte=0), name="convention_eligible_base_non_negative"),
            models.CheckConstraint(
                condition=Q(advance_cap_percent__gte=0, advance_cap_percent__lte=100),
                name="convention_advance_cap_0_100",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True) | Q(period_end__isnull=True) | Q(period_end__gte=F("period_start")),
                name="convention_period_ordered",
            ),
            # What is known of a date not yet complete: a month needs its year, and once the
            # full date is known it alone is kept (conventions.deliberation).
            models.CheckConstraint(
                condition=Q(deliberation_month__isnull=True) | Q(deliberation_month__gte=1, deliberation_month__lte=12,
                                                                 deliberation_year__isnull=False),
                name="convention_deliberation_month_with_year",
            ),
            models.CheckConstraint(
                condition=Q(deliberation_date__isnull=True) | Q(deliberation_year__isnull=True, deliberation_month__isnull=True),
                name="convention_deliberation_one_date",
            ),
            models.CheckConstraint(
                condition=Q(legality_transmitted_on__isnull=True) | Q(legality_received_on__isnull=True)
                | Q(legality_received_on__gte=F("legality_transmitted_on")),
                name="convention_legality_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "status"], name="convention_year_status_idx"),
            # The staff list's default order: the first page is read from the index (bench/RESULTS.md).
            models.Index(fields=["-fiscal_year", "reference"], name="convention_list_order_idx"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.beneficiary.short_name}"

    def save(self, *args, **kwargs):
        self._default_advance_cap()
        if self.deliberation_date is not None:  # the full date says it all (conventions.deliberation)
            self.deliberation_year = self.deliberation_month = None
        super().save(*args, **kwargs)

    def clean(self):
        self._default_advance_cap()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("La fin de la période ne peut pas précéder son début.")})
        deliberation_date_clean(self)
        if refusal := multiannual_period_refusal(self):
            raise ValidationError({"period_end": refusal})
        if self.status in VOTED_STATES and (missing := deliberation_missing(self)):
            raise ValidationError(_("La convention est votée : sa délibération reste complète ; il manque %(missing)s.")
                                  % {"missing": ", ".join(missing)})
        legality_clean(self, signed=self.is_signed)
        if errors := signatory_title_errors(self):
            raise ValidationError(errors)

    def _default_advance_cap(self):
        """Take the funder's advance cap when the agreement does not set its own."""
        if self.advance_cap_percent is None and self.funder_id:
            self.advance_cap_percent = self.funder.advance_cap_percent

    @property
    def is_signed(self) -> bool:
        return self.status in SIGNED_STATES

    def objectives_list(self) -> list[str]:
        return [line.strip(" -•") for line in self.objectives.splitlines() if line.strip(" -•")]

    def programme_summary_list(self) -> list[str]:
        return [line.strip(" -•") for line in self.programme_summary.splitlines() if line.strip(" -•")]


class StatusChange(models.Model):
    """One transition of an agreement's lifecycle: who, when, from, to, why."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("état de départ"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("nouvel état"), max_length=20, choices=Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("changement d'état")
        verbose_name_plural = _("changements d'état")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AmendmentStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SIGNED = "signed", _("Signé")


class Amendment(models.Model):
    """A signed change to an agreement (avenant, art. 9)."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("convention"))
    number = models.PositiveSmallIntegerField(_("numéro"))
    subject = models.CharField(_("objet"), max_length=255)
    text = models.TextField(_("texte des modifications"))
    amount_change = models.DecimalField(
        _("variation du montant"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
        help_text=_("Positive pour une hausse, négative pour une baisse."),
    )
    new_period_end = models.DateField(_("nouvelle fin de période"), null=True, blank=True)
    # A multi-year agreement's amount changes year by year: the amendment names the year it changes.
    tranche = models.ForeignKey(
        "Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments",
        verbose_name=_("année concernée"),
        help_text=_("Convention pluriannuelle : l'année dont l'avenant modifie le montant."),
    )
    status = models.CharField(_("état"), max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.DRAFT)
    beneficiary_signed_on = models.DateField(_("signé par l'association le"), null=True, blank=True)
    funder_signed_on = models.DateField(_("signé par la collectivité le"), null=True, blank=True)
    signed_pdf = models.FileField(
        _("PDF signé"), upload_to="conventions/amendments/", storage=private_storage, blank=True
    )
    signed_pdf_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("avenant")
        verbose_name_plural = _("avenants")
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="amendment_unique_number"),
            models.CheckConstraint(condition=Q(status__in=AmendmentStatus.values), name="amendment_status_valid"),
        ]

    def __str__(self):
        return _("Avenant n° %(number)s à %(reference)s") % {"number": self.number, "reference": self.convention.reference}

    def clean(self):
        if self.tranche_id and self.convention_id and self.tranche.convention_id != self.convention_id:
            raise ValidationError({"tranche": _("Cette année appartient à une autre convention.")})
        if self.convention_id and self.convention.is_multiannual and self.amount_change and not self.tranche_id:
            raise ValidationError({"tranche": _("Convention pluriannuelle : indiquez l'année dont l'avenant "
                                                "modifie le montant.")})


















class TrancheQuerySet(models.QuerySet):
    def with_amount_in_force(self):
        """Annotate each year with ``amount_in_force``: its amount plus its signed amendments, same query."""
        return self.annotate(amount_in_force=tranche_amount_in_force_expression())


class Tranche(models.Model):
    """One year of a multi-year agreement (convention pluriannuelle): its amount and that year's vote.

    The amount of each year is voted each year (DOMAIN.md §11.7). The deliberation fields have
    the agreement's names, so ``conventions.deliberation`` reads a year as it reads an agreement
    (placeholders before the session). The rules on a schedule of years are in
    ``conventions.tranches``; writes go through ``conventions.services``.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="tranches", verbose_name=_("convention")
    )
    year = models.PositiveSmallIntegerField(_("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    amount = models.DecimalField(
        _("montant de l'année"), validators=NON_NEGATIVE, null=True, blank=True, **MONEY,
        help_text=_("Laissé vide tant qu'il n'est pas connu (non renseigné) : le vote de l'année l'exige."),
    )
    deliberation_body = models.CharField(
        _("instance de la délibération"), max_length=10, choices=DeliberationBody.choices, blank=True
    )
    deliberation_number = models.CharField(
        _("numéro de la délibération"), max_length=60, blank=True,
        help_text=_("Un numéro provisoire (« 2026/.... ») est accepté avant la séance."),
    )
    deliberation_date = models.DateField(_("date de la délibération"), null=True, blank=True)
    deliberation_year = models.PositiveSmallIntegerField(
        _("année de la délibération (date incomplète)"), null=True, blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    deliberation_month = models.PositiveSmallIntegerField(
        _("mois de la délibération (date incomplète)"), null=True, blank=True,
        choices=[(number, name) for number, name in enumerate(MONTHS, start=1)],
    )
    #: Set by ``conventions.services.tranche_vote`` only: never typed.
    voted_at = models.DateTimeField(_("vote enregistré le"), null=True, blank=True)

    history = HistoricalRecords()
    objects = TrancheQuerySet.as_manager()

    class Meta:
        verbose_name = _("tranche annuelle")
        verbose_name_plural = _("tranches annuelles")
        ordering = ["convention", "year"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "year"], name="tranche_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="tranche_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(deliberation_month__isnull=True) | Q(deliberation_month__gte=1, deliberation_month__lte=12,
                                                                 deliberation_year__isnull=False),
                name="tranche_deliberation_month_with_year",
            ),
            models.CheckConstraint(
                condition=Q(deliberation_date__isnull=True) | Q(deliberation_year__isnull=True, deliberation_month__isnull=True),
                name="tranche_deliberation_one_date",
            ),
        ]

    def __str__(self):
        return _("%(reference)s — année %(year)s") % {"reference": self.convention.reference, "year": self.year}

    def save(self, *args, **kwargs):
        if self.deliberation_date is not None:  # the full date says it all (conventions.deliberation)
            self.deliberation_year = self.deliberation_month = None
        super().save(*args, **kwargs)

    def clean(self):
        deliberation_date_clean(self)

    @property
    def funder(self):
        """Return the agreement's funder: ``conventions.deliberation.deliberation_text`` names it."""
        return self.convention.funder

    @property
    def is_voted(self) -> bool:
        return self.voted_at is not None


class Notification(models.Model):
    """One email sent by the application, kept so the agreement shows what was sent to whom.

    ``key`` names the event it announces; the unique constraint makes a retried transition
    unable to send the same email twice.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("convention")
    )
    key = models.CharField(_("événement"), max_length=150, unique=True)
    recipients = models.TextField(_("destinataires"))
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("courriel envoyé")
        verbose_name_plural = _("courriels envoyés")
        ordering = ["-sent_at"]

    def __str__(self):
        return self.subject


# The clause templates and the per-agreement texts live in their own module; importing them here
# registers them with the app.
from conventions.clauses.models import (  # noqa: E402, F401
    ClauseTemplate,
    ClauseTemplateSection,
    ConventionClause,
    FinancialRulesVersion,
)


def amount_in_force_expression(*, before_number: int | None = None):
    """Return the SQL expression of an agreement's amount in force, for ``annotate``/``Sum``.

    The amount in force is the amount granted plus the changes of the agreement's *signed*
    amendments (a draft amendment changes nothing). With ``before_number``, only the signed
    amendments numbered below it count: the amount an amendment starts from.

    This is the one definition of the rule: ``ConventionQuerySet.with_amount_in_force``,
    ``schedules_for`` (hence ``effective_amount`` and every schedule) and ``amendment_amounts``
    all use it.
    """
    amendments = Amendment.objects.filter(convention=OuterRef("pk"), status=AmendmentStatus.SIGNED)
    if before_number is not None:
        amendments = amendments.filter(number__lt=before_number)
    changes = amendments.order_by().values("convention").annotate(total=Sum("amount_change")).values("total")
    money = DecimalField(**MONEY)
    return ExpressionWrapper(
        F("amount_granted") + Coalesce(Subquery(changes, output_field=money), Value(ZERO), output_field=money),
        output_field=money,
    )


def tranche_amount_in_force_expression():
    """Return the SQL expression of a year's amount in force: its amount plus its signed amendments.

    The rule of ``amount_in_force_expression`` applied to one year of a multi-year agreement
    (``Amendment.tranche``); ``conventions.amounts.tranche_amounts_in_force`` reads it.
    """
    changes = (
        Amendment.objects.filter(tranche=OuterRef("pk"), status=AmendmentStatus.SIGNED)
        .order_by().values("tranche").annotate(total=Sum("amount_change")).values("total")
    )
    money = DecimalField(**MONEY)
    return ExpressionWrapper(
        F("amount") + Coalesce(Subquery(changes, output_field=money), Value(ZERO), output_field=money),
        output_field=money,
    )
