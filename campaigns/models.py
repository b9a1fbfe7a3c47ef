"""Yearly calls for applications: programmes, campaigns and the applications (Cerfa 12156) they receive.

An application is the association's request for a subsidy; staff instruct it (opinion and
proposed amount), the deliberation votes it (``application_record_vote``) and, once voted, it
becomes an agreement or a notification letter. Every write goes through ``campaigns.services``.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from budgets.models import Budget
from conventions.models import Convention, Funder
from core.money import MONEY, NON_NEGATIVE
from core.storage import private_storage
from documents.models import DocumentKind


def normalise_title(title: str) -> str:
    """Return ``title`` as compared for « the same action »: no accents, case, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", title or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    return " ".join(words)[:255]


class Programme(models.Model):
    """A funding programme of a public policy, run by one directorate of the funder."""

    name = models.CharField(_("nom"), max_length=255)
    policy = models.CharField(_("politique publique"), max_length=255)
    directorate = models.CharField(_("direction"), max_length=255)
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="programmes",
                               verbose_name=_("collectivité"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["funder", "name"], name="programme_unique_name_per_funder")]

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """One year's call for applications of a programme, with its envelope (the total available)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="campaigns",
                                  verbose_name=_("programme"))
    year = models.PositiveSmallIntegerField(_("année"))
    title = models.CharField(_("intitulé"), max_length=255)
    opens_on = models.DateField(_("ouverture des candidatures"))
    closes_on = models.DateField(_("clôture des candidatures"))
    envelope = models.DecimalField(_("enveloppe"), validators=NON_NEGATIVE, **MONEY,
                                   help_text=_("Le montant total disponible pour la campagne."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "title"], name="campaign_unique_title_per_year",
                                    violation_error_message=_("Ce programme a déjà une campagne de ce nom cette année.")),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="campaign_closes_after_opening",
                                   violation_error_message=_("La clôture des candidatures précède leur ouverture.")),
            models.CheckConstraint(condition=Q(envelope__gte=0), name="campaign_envelope_non_negative"),
        ]

    def __str__(self):
        return self.title

    @property
    def funder(self) -> Funder:
        return self.programme.funder

    def is_open_on(self, day) -> bool:
        """Return True when applications are received on ``day`` (opening and closing days included)."""
        return self.opens_on <= day <= self.closes_on


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    SUBMITTED = "submitted", _("déposée")
    CHANGES_REQUESTED = "changes_requested", _("à compléter")
    IN_INSTRUCTION = "in_instruction", _("en instruction")
    PROPOSED = "proposed", _("proposée")
    REFUSED = "refused", _("refusée")
    DISMISSED = "dismissed", _("classée sans suite")
    GRANTED = "granted", _("attribuée")
    NOT_GRANTED = "not_granted", _("non attribuée")


#: States in which the association may still change its application.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED})
#: States whose proposed or granted amount is committed on the campaign's envelope.
COMMITTED_STATUSES = frozenset({ApplicationStatus.PROPOSED, ApplicationStatus.GRANTED})
#: States in which nothing more happens to the application.
CLOSED_STATUSES = frozenset({ApplicationStatus.REFUSED, ApplicationStatus.DISMISSED,
                             ApplicationStatus.GRANTED, ApplicationStatus.NOT_GRANTED})


class Opinion(models.TextChoices):
    FAVORABLE = "favorable", _("favorable")
    RESERVED = "reserved", _("réservé")
    UNFAVORABLE = "unfavorable", _("défavorable")


class ApplicationQuerySet(models.QuerySet):
    def for_member(self, user):
        """Return the applications of the associations ``user`` is an active member of."""
        return self.filter(beneficiary__memberships__user=user, beneficiary__memberships__is_active=True)


class Application(models.Model):
    """An association's application to a campaign (the Cerfa 12156 request for one action)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("campagne"))
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="applications",
                                    verbose_name=_("association"))
    action_title = models.CharField(_("intitulé de l'action"), max_length=255)
    #: ``normalise_title(action_title)``: one application per action, whatever its spelling.
    action_key = models.CharField(max_length=255, editable=False)
    objectives = models.TextField(_("objectifs de l'action"), blank=True)
    action_start = models.DateField(_("début de l'action"), null=True, blank=True)
    action_end = models.DateField(_("fin de l'action"), null=True, blank=True)
    public = models.TextField(_("public visé"), blank=True)
    place = models.CharField(_("lieu"), max_length=255, blank=True)
    requested_amount = models.DecimalField(_("montant demandé"), validators=NON_NEGATIVE, null=True, blank=True,
                                           **MONEY)
    budget = models.OneToOneField(Budget, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="application", verbose_name=_("budget prévisionnel de l'action"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="assigned_applications", verbose_name=_("agent instructeur"))
    opinion = models.CharField(_("avis"), max_length=12, choices=Opinion.choices, blank=True)
    proposed_amount = models.DecimalField(_("montant proposé"), validators=NON_NEGATIVE, null=True, blank=True,
                                          **MONEY)
    proposal_reason = models.TextField(_("motivation"), blank=True)
    granted_amount = models.DecimalField(_("montant attribué"), validators=NON_NEGATIVE, null=True, blank=True,
                                         **MONEY)
    #: The agreement drawn from the application once voted (by the deliberations app), if any.
    convention = models.OneToOneField(Convention, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="application", verbose_name=_("convention"))
    status = models.CharField(_("état"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("déposée par"))
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["campaign", "beneficiary__name", "action_title"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "beneficiary", "action_key"],
                                    name="application_unique_action_per_campaign"),
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"),
            models.CheckConstraint(condition=Q(opinion__in=["", *Opinion.values]), name="application_opinion_valid"),
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="application_requested_non_negative"),
            models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="application_proposed_non_negative"),
            models.CheckConstraint(condition=Q(granted_amount__gte=0), name="application_granted_non_negative"),
            models.CheckConstraint(
                condition=Q(action_start__isnull=True) | Q(action_end__isnull=True)
                | Q(action_end__gte=models.F("action_start")),
                name="application_action_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.action_title} — {self.beneficiary}"

    def save(self, *args, **kwargs):
        self.action_key = normalise_title(self.action_title)
        if kwargs.get("update_fields") is not None and "action_title" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "action_key"}
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        """Return True while the association may change the application (draft, or returned to it)."""
        return self.status in EDITABLE_STATUSES


class VersionKind(models.TextChoices):
    SUBMISSION = "submission", _("dépôt")
    CHANGES_REQUESTED = "changes_requested", _("demande de compléments")


class ApplicationVersion(models.Model):
    """One submitted content of an application, or one request for changes: the log of the round trips.

    Append-only, written only by ``campaigns.services``: each submission keeps a snapshot of what
    was submitted (budget lines included), each request for changes the agent's message.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions",
                                    verbose_name=_("candidature"))
    number = models.PositiveIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=20, choices=VersionKind.choices)
    snapshot = models.JSONField(_("contenu déposé"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("par"))
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version de la candidature")
        verbose_name_plural = _("versions de la candidature")
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="applicationversion_unique_number")]

    def __str__(self):
        return f"{self.application} — {self.number}"

    @property
    def is_submission(self) -> bool:
        return self.kind == VersionKind.SUBMISSION


class ApplicationDocument(models.Model):
    """A document attached to an application (Cerfa 12156, « pièces à joindre »), in private storage.

    A document the association already gave and that is still valid (``campaigns.rules.documents_on_file``)
    is not asked again.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents",
                                    verbose_name=_("candidature"))
    kind = models.CharField(_("pièce"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("fichier"), upload_to="applications/", storage=private_storage)
    uploaded_at = models.DateTimeField(_("déposé le"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("déposé par"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pièce de la candidature")
        verbose_name_plural = _("pièces de la candidature")
        ordering = ["application", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="applicationdocument_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="applicationdocument_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.application}"
