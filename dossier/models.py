"""The case file's own records: waivers of the requirements table (``dossier.requirements``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention


class RequirementWaiver(models.Model):
    """A staff member's decision to go past one requirement of one transition, with its reason."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="requirement_waivers", verbose_name=_("convention")
    )
    transition = models.CharField(_("action"), max_length=30)
    requirement = models.CharField(_("condition"), max_length=40)
    reason = models.TextField(_("motif de la dérogation"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par"))
    at = models.DateTimeField(_("le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dérogation")
        verbose_name_plural = _("dérogations")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "transition", "requirement"], name="waiver_once_per_requirement"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="waiver_has_reason"),
        ]

    def __str__(self):
        return f"{self.convention.reference} — {self.requirement}"
