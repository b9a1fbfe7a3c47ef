"""The record of an association that registered itself on the portal, until staff check who it is.

An association created by its own member has an identity nobody at the Métropole has checked
yet: the SIRET or RNA passed their format checks, nothing more. The record says so (on its
admin list, « à vérifier », and on the association's admin page) until an agent marks the
identity as verified. It never blocks anything: the instruction of an application is the
staff's check.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from core.dates import french_date


class Registration(models.Model):
    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.CASCADE, related_name="registration", verbose_name=_("association"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("inscrite par"),
    )
    created_at = models.DateTimeField(_("inscrite le"), default=timezone.now)
    activated_at = models.DateTimeField(_("compte activé le"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("identité vérifiée par"),
    )
    verified_at = models.DateTimeField(_("identité vérifiée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inscription en ligne")
        verbose_name_plural = _("inscriptions en ligne")
        ordering = ["-created_at"]
        permissions = [("verify_registration", _("Peut marquer l'identité d'une association inscrite comme vérifiée"))]

    def __str__(self):
        return str(_("Inscription de %(name)s")) % {"name": self.beneficiary.name}

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def status_label(self) -> str:
        """Return what staff read on the association's page: « Inscrite en ligne le 1er décembre 2026, … »."""
        registered = str(_("Inscrite en ligne le %(date)s")) % {
            "date": french_date(timezone.localtime(self.created_at).date())}
        if not self.is_verified:
            return str(_("%(registered)s, identité non vérifiée")) % {"registered": registered}
        return str(_("%(registered)s, identité vérifiée le %(date)s par %(who)s")) % {
            "registered": registered, "date": french_date(timezone.localtime(self.verified_at).date()),
            "who": (self.verified_by.get_full_name() or self.verified_by.get_username()) if self.verified_by
            else _("un agent")}
