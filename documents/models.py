"""documents.models"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from conventions.models import Convention
from core.storage import private_storage


class DocumentKind(models.TextChoices):
    ANNUAL_ACCOUNTS = "annual_accounts", _("Comptes annuels")
    AUDITOR_REPORT = "auditor_report", _("Rapport du commissaire aux comptes")
    ACTIVITY_REPORT = "activity_report", _("Rapport d'activité")
    GENERAL_ASSEMBLY = "general_assembly", _("Procès-verbal de l'assemblée générale")
    FINANCIAL_REPORT = "financial_report", _("Compte rendu financier (Cerfa 15059)")
    INSURANCE = "insurance", _("Attestation d'assurance")
    BANK_DETAILS = "bank_details", _("Relevé d'identité bancaire")
    STATUTES = "statutes", _("Statuts")
    BOARD_LIST = "board_list", _("Liste des membres du conseil d'administration")
    REPUBLICAN_COMMITMENT = "republican_commitment", _("Contrat d'engagement républicain signé")
    BOARD_CHANGE = "board_change", _("Modification du bureau ou des statuts")
    LOGO_PROOF = "logo_proof", _("Justificatif d'apposition du logo")


class DocumentStatus(models.TextChoices):
    EXPECTED = "expected", _("Attendu")
    RECEIVED = "received", _("Reçu")
    ACCEPTED = "accepted", _("Accepté")
    REJECTED = "rejected", _("Refusé")


class Document(models.Model):
    """A document the association owes (justificatif), with its due date and review state."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents", verbose_name=_("convention"))
    kind = models.CharField(_("pièce"), max_length=30, choices=DocumentKind.choices)
    #: For a multi-year agreement, the year a yearly document (accounts, reports) is of; empty otherwise.
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    due_on = models.DateField(_("à fournir avant le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.EXPECTED)
    file = models.FileField(_("fichier"), upload_to="documents/", storage=private_storage, blank=True)
    uploaded_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    #: Who placed the current file (``documents.services.document_upload``): they may not accept it.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("déposé par"),
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)

    history = HistoricalRecords(table_name="conventions_historicaldocument")

    class Meta:
        db_table = "conventions_document"  # kept from before the move to this app
        verbose_name = _("justificatif")
        verbose_name_plural = _("justificatifs")
        ordering = ["convention", "due_on", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name="document_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
        ]

    def __str__(self):
        if self.year:
            return f"{self.get_kind_display()} {self.year} — {self.convention.reference}"
        return f"{self.get_kind_display()} — {self.convention.reference}"


#: The permanent papers an association keeps in its vault (« documents permanents »): given once, they
#: satisfy every agreement and application while valid (``documents.vault``).
VAULT_KINDS = (
    DocumentKind.STATUTES,
    DocumentKind.BANK_DETAILS,
    DocumentKind.BOARD_LIST,
    DocumentKind.REPUBLICAN_COMMITMENT,
)


class VaultPaper(models.Model):
    """One version of a permanent paper of an association (its vault), with its validity.

    Every version is kept: a new one replaces the previous from its ``valid_from`` day on
    (``documents.vault.paper_in_force``). Reviewed by staff like an agreement's document.
    """

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="vault_papers",
                                    verbose_name=_("association"))
    kind = models.CharField(_("pièce"), max_length=30, choices=[(k.value, k.label) for k in VAULT_KINDS])
    file = models.FileField(_("fichier"), upload_to="vault/", storage=private_storage)
    valid_from = models.DateField(_("valable à partir du"))
    #: Empty: valid until replaced (statutes, bank details, republican commitment contract).
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.RECEIVED)
    uploaded_at = models.DateTimeField(_("déposé le"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("déposé par"))
    rejection_reason = models.TextField(_("motif du refus"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document permanent")
        verbose_name_plural = _("documents permanents")
        ordering = ["beneficiary", "kind", "-valid_from", "-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in VAULT_KINDS]), name="vaultpaper_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=[DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED,
                                                           DocumentStatus.REJECTED]), name="vaultpaper_status_valid"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                                   name="vaultpaper_until_after_from"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.beneficiary.name}"
