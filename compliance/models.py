"""The log of reminders sent (``conventions.reminders``): what makes them idempotent; the computed
state of the whole portfolio the staff pages read (``ComplianceSnapshot``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReminderStage(models.TextChoices):
    BEFORE_30 = "before_30", _("30 jours avant l'échéance")
    BEFORE_7 = "before_7", _("7 jours avant l'échéance")
    OVERDUE = "overdue", _("échéance dépassée")


class ReminderChannel(models.TextChoices):
    ASSOCIATION = "association", _("courriel à l'association")
    STAFF = "staff", _("signalé au service (association sans courriel)")


class ReminderLog(models.Model):
    """One reminder sent for one due item at one stage: the log that makes reminders idempotent.

    An append-only record (like ``StatusChange``), written only by ``conventions.reminders``.
    """

    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, related_name="reminders",
        verbose_name=_("convention"),
    )
    subject = models.CharField(_("objet du rappel"), max_length=60, help_text=_("Par exemple « document:12 »."))
    label = models.CharField(_("libellé"), max_length=255)
    stage = models.CharField(_("motif"), max_length=10, choices=ReminderStage.choices)
    due_on = models.DateField(_("échéance"))
    channel = models.CharField(_("canal"), max_length=12, choices=ReminderChannel.choices)
    recipients = models.TextField(_("destinataires"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        db_table = "conventions_reminderlog"  # kept from before the move to this app
        verbose_name = _("rappel envoyé")
        verbose_name_plural = _("rappels envoyés")
        ordering = ["-sent_at", "pk"]
        constraints = [
            # Never twice for the same reason: one reminder per item, stage and due date.
            models.UniqueConstraint(fields=["subject", "stage", "due_on"], name="reminderlog_once_per_reason"),
            models.CheckConstraint(condition=Q(stage__in=ReminderStage.values), name="reminderlog_stage_valid"),
            models.CheckConstraint(condition=Q(channel__in=ReminderChannel.values), name="reminderlog_channel_valid"),
        ]

    def __str__(self):
        return f"{self.label} — {self.get_stage_display()} ({self.convention.reference})"


class ComplianceSnapshot(models.Model):
    """The whole portfolio's overdue items, dependency and open-data summary, computed once
    (``compliance.snapshot.snapshot_compute``, a job or ``manage.py compliance_snapshot``) and read by
    the dashboard and the overdue items' page: too long to compute on every load.

    ``data`` holds plain values only (``compliance.snapshot``): what the pages show, as it was at
    ``computed_at``. Only the latest few are kept (``compliance.snapshot.SNAPSHOTS_KEPT``).
    """

    computed_at = models.DateTimeField(_("calculé le"), auto_now_add=True)
    today = models.DateField(_("jour de calcul des retards"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("demandé par"), help_text=_("Vide quand le calcul est fait par la tâche planifiée."),
    )
    data = models.JSONField(_("état calculé"), default=dict, blank=True)

    class Meta:
        verbose_name = _("état de conformité calculé")
        verbose_name_plural = _("états de conformité calculés")
        ordering = ["-computed_at", "-pk"]

    def __str__(self):
        return str(_("État calculé pour le %(day)s") % {"day": self.today.isoformat()})
