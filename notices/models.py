"""How each user wants the application's emails: at once, or gathered in one daily digest.

The app sits just above ``core`` and below ``beneficiaries``: ``beneficiaries.notify`` (the one
place emails are built and sent) reads the preference and queues the notices here, without
importing upward. Keeping it out of ``beneficiaries`` keeps that app about associations and their
members: staff accounts have a preference too.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immédiatement")
    DAILY = "daily", _("Un résumé par jour")


class NoticePreference(models.Model):
    """One user's choice; a user without one receives every email at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference",
                                verbose_name=_("utilisateur"))
    frequency = models.CharField(_("fréquence des courriels"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.IMMEDIATE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="notice_frequency_valid"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_frequency_display()}"


class QueuedNotice(models.Model):
    """An email kept for the user's next daily digest; ``sent_at`` is set once the digest left."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queued_notices",
                             verbose_name=_("utilisateur"))
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("texte"))
    link = models.URLField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification en attente")
        verbose_name_plural = _("notifications en attente")
        ordering = ["user", "created_at", "pk"]
        indexes = [models.Index(fields=["sent_at", "user"], name="notice_unsent_idx")]

    def __str__(self):
        return self.subject
