"""Deliberations that vote many subsidies at once, their lines, and the letters the vote produces.

A deliberation of the Bureau or of the Conseil lists, in its annex table, the applications
proposed by the instruction (``campaigns``); its vote grants or refuses each of them at once.
Then each granted application becomes an agreement in draft (``conventions.Convention``), or a
notification letter when its beneficiary's year total stays under the written-agreement
threshold; each refusal gets a motivated letter. Every write goes through
``deliberations.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Application
from conventions.models import DeliberationBody, Funder
from core.dates import french_date
from core.money import MONEY, NON_NEGATIVE


class DeliberationStatus(models.TextChoices):
    DRAFT = "draft", _("en préparation")
    VOTED = "voted", _("votée")
    TRANSMITTED = "transmitted", _("transmise")


class Deliberation(models.Model):
    """One deliberation of the funder's assembly, voting the subsidies of its annex table."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="deliberations",
                               verbose_name=_("collectivité"))
    body = models.CharField(_("instance"), max_length=20, choices=DeliberationBody.choices)
    session_date = models.DateField(_("date de la séance"))
    number = models.CharField(
        _("numéro"), max_length=60, blank=True,
        help_text=_("Un numéro provisoire (« 2027/.... », « à compléter ») est admis avant le vote, jamais au vote."),
    )
    subject = models.CharField(_("objet"), max_length=255)
    status = models.CharField(_("état"), max_length=20, choices=DeliberationStatus.choices,
                              default=DeliberationStatus.DRAFT)
    voted_on = models.DateField(_("votée le"), null=True, blank=True)
    voted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("vote enregistré par"))
    transmitted_on = models.DateField(_("transmise à la préfecture le"), null=True, blank=True)
    received_on = models.DateField(_("reçue par le contrôle de légalité le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("délibération")
        verbose_name_plural = _("délibérations")
        ordering = ["-session_date", "number"]
        permissions = [("vote_deliberation", _("Peut enregistrer le vote d'une délibération"))]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliberationStatus.values), name="deliberation_status_valid"),
            models.CheckConstraint(condition=Q(body__in=DeliberationBody.values), name="deliberation_body_valid"),
            models.CheckConstraint(condition=Q(status=DeliberationStatus.DRAFT) | Q(voted_on__isnull=False),
                                   name="deliberation_voted_has_date"),
            models.CheckConstraint(
                condition=Q(transmitted_on__isnull=True) | Q(transmitted_on__gte=F("voted_on")),
                name="deliberation_transmitted_after_vote"),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(received_on__gte=F("transmitted_on")),
                name="deliberation_received_after_transmission"),
        ]

    def __str__(self):
        number = self.number or _("sans numéro")
        return f"{self.get_body_display()} n° {number} du {french_date(self.session_date)}"

    @property
    def is_draft(self) -> bool:
        return self.status == DeliberationStatus.DRAFT


class LineOutcome(models.TextChoices):
    PENDING = "pending", _("à voter")
    GRANTED = "granted", _("attribuée")
    NOT_GRANTED = "not_granted", _("non attribuée")


class DeliberationLine(models.Model):
    """One subsidy a deliberation votes: an application proposed by the instruction.

    An application is on one deliberation only. ``proposed_amount`` is the instruction's proposal
    when the line was added; ``voted_amount`` is what the assembly votes (the proposal unless
    changed before the vote), locked once voted: only an amendment changes it afterwards.
    """

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="lines",
                                     verbose_name=_("délibération"))
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="deliberation_line",
                                       verbose_name=_("candidature"))
    proposed_amount = models.DecimalField(_("montant proposé"), validators=NON_NEGATIVE, **MONEY)
    voted_amount = models.DecimalField(_("montant soumis au vote"), validators=NON_NEGATIVE, null=True, blank=True,
                                       **MONEY)
    outcome = models.CharField(_("issue du vote"), max_length=20, choices=LineOutcome.choices,
                               default=LineOutcome.PENDING)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subvention de la délibération")
        verbose_name_plural = _("subventions de la délibération")
        ordering = ["deliberation", "application__beneficiary__name", "application__action_title"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=LineOutcome.values), name="deliberationline_outcome_valid"),
            models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="deliberationline_proposed_non_negative"),
            models.CheckConstraint(condition=Q(voted_amount__gte=0), name="deliberationline_voted_non_negative"),
        ]

    def __str__(self):
        return f"{self.application.beneficiary.short_name} — {self.application.action_title}"


class LetterKind(models.TextChoices):
    NOTIFICATION = "notification", _("lettre de notification")
    REFUSAL = "refusal", _("lettre de refus motivée")


class Letter(models.Model):
    """A letter the vote produces for an application: a notification (granted, no agreement) or a refusal.

    What it says is kept here when it is issued (amount, reason, date), so that it prints the
    same every time; the PDF is rendered from it (``deliberations.letters``).
    """

    kind = models.CharField(_("nature"), max_length=20, choices=LetterKind.choices)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="letter",
                                       verbose_name=_("candidature"))
    deliberation = models.ForeignKey(Deliberation, on_delete=models.PROTECT, related_name="letters",
                                     verbose_name=_("délibération"))
    amount = models.DecimalField(_("montant"), validators=NON_NEGATIVE, null=True, blank=True, **MONEY)
    reason = models.TextField(_("motif"), blank=True)
    issued_on = models.DateField(_("émise le"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lettre")
        verbose_name_plural = _("lettres")
        ordering = ["deliberation", "kind", "application__beneficiary__name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LetterKind.values), name="letter_kind_valid"),
            models.CheckConstraint(condition=Q(kind="refusal") | Q(amount__gt=0), name="letter_notification_has_amount"),
            models.CheckConstraint(condition=~Q(kind="refusal") | ~Q(reason=""), name="letter_refusal_has_reason"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.application}"
