"""finance.models"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention, Tranche
from core.money import MONEY, NON_NEGATIVE


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("Acompte")
    BALANCE = "balance", _("Solde")


class PaymentStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Déposée")
    STAFF_APPROVED = "staff_approved", _("Validée par le service instructeur")
    FINANCE_APPROVED = "finance_approved", _("Validée par les finances")
    PAID = "paid", _("Mandatée")
    REJECTED = "rejected", _("Rejetée")


OPEN_PAYMENT_STATUSES = [
    PaymentStatus.SUBMITTED, PaymentStatus.STAFF_APPROVED, PaymentStatus.FINANCE_APPROVED, PaymentStatus.PAID,
]


class PaymentRequest(models.Model):
    """The beneficiary's signed request for one payment (demande de versement)."""

    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="payment_requests", verbose_name=_("convention")
    )
    kind = models.CharField(_("versement"), max_length=10, choices=PaymentKind.choices)
    #: The year of a multi-year agreement this payment is of (an advance and a balance each year).
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_requests",
        verbose_name=_("année"),
    )
    amount = models.DecimalField(_("montant demandé"), validators=NON_NEGATIVE, **MONEY)
    status = models.CharField(_("état"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.SUBMITTED)
    certified_by_name = models.CharField(_("certifié par"), max_length=150)
    certified_by_quality = models.CharField(_("en qualité de"), max_length=100)
    certified_on = models.DateField(_("certifié le"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("déposée par"),
    )
    commitment_number = models.CharField(_("numéro d'engagement"), max_length=50, blank=True)
    budget_imputation = models.CharField(_("imputation budgétaire"), max_length=100, blank=True)
    payment_order_number = models.CharField(_("numéro de mandat"), max_length=50, blank=True)
    paid_on = models.DateField(_("mandaté le"), null=True, blank=True)
    rejection_reason = models.TextField(_("motif du rejet"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords(table_name="conventions_historicalpaymentrequest")

    class Meta:
        db_table = "conventions_paymentrequest"  # kept from before the move to this app
        verbose_name = _("demande de versement")
        verbose_name_plural = _("demandes de versement")
        ordering = ["-created_at"]
        # The finance queue filters on the status (bench/RESULTS.md).
        indexes = [models.Index(fields=["status"], name="paymentrequest_status_idx")]
        permissions = [
            ("approve_as_staff", _("Peut valider une demande de versement (service instructeur)")),
            ("approve_as_finance", _("Peut valider une demande de versement (finances)")),
            ("mark_paid", _("Peut enregistrer le mandatement d'une demande de versement")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="paymentrequest_amount_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=PaymentKind.values), name="paymentrequest_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="paymentrequest_status_valid"),
            # One request per payment that is not rejected: two open advances are impossible.
            models.UniqueConstraint(
                fields=["convention", "kind"], condition=~Q(status=PaymentStatus.REJECTED) & Q(tranche__isnull=True),
                name="paymentrequest_one_open_per_kind",
            ),
            # A multi-year agreement: one open request per payment and per year.
            models.UniqueConstraint(
                fields=["tranche", "kind"], condition=~Q(status=PaymentStatus.REJECTED) & Q(tranche__isnull=False),
                name="paymentrequest_one_open_per_kind_and_year",
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.PAID) | (Q(paid_on__isnull=False) & ~Q(payment_order_number="")),
                name="paymentrequest_paid_has_order",
            ),
        ]

    def __str__(self):
        if self.tranche_id:
            return f"{self.get_kind_display()} {self.tranche.year} — {self.convention.reference}"
        return f"{self.get_kind_display()} — {self.convention.reference}"


class Recovery(models.Model):
    """An order to pay money back (titre de recette): overpayment or termination."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("convention"))
    amount = models.DecimalField(_("montant à reverser"), validators=NON_NEGATIVE, **MONEY)
    reason = models.TextField(_("motif"))
    issued_on = models.DateField(_("émis le"))
    revenue_order_number = models.CharField(_("numéro du titre de recette"), max_length=50, blank=True)
    recovered_on = models.DateField(_("recouvré le"), null=True, blank=True)

    history = HistoricalRecords(table_name="conventions_historicalrecovery")

    class Meta:
        db_table = "conventions_recovery"  # kept from before the move to this app
        verbose_name = _("reversement")
        verbose_name_plural = _("reversements")
        ordering = ["-issued_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="recovery_amount_non_negative")]

    def __str__(self):
        return f"{self.convention.reference} — {self.amount} €"
