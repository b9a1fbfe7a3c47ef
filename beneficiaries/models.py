"""Associations funded by the Métropole, and the people who act for them on the portal."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.identifiers import (
    normalize_iban,
    validate_bic,
    validate_iban,
    validate_rna,
    validate_siret,
)
from core.deadlines import MONTH_RANGE


class Civility(models.TextChoices):
    MR = "M.", _("Monsieur")
    MRS = "Mme", _("Madame")


class BeneficiaryQuerySet(models.QuerySet):
    def for_member(self, user):
        """Return the associations ``user`` may act for on the portal."""
        return self.filter(memberships__user=user, memberships__is_active=True)


class Beneficiary(models.Model):
    name = models.CharField(_("dénomination"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=100, default="Association loi 1901")
    siret = models.CharField(
        _("SIRET"), max_length=14, unique=True, validators=[validate_siret],
        help_text=_("14 chiffres, sans espace."),
    )
    rna = models.CharField(
        _("numéro RNA"), max_length=10, blank=True, validators=[validate_rna],
        help_text=_("W suivi de 9 chiffres."),
    )
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=100)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    representative_civility = models.CharField(
        _("civilité du représentant légal"), max_length=3, choices=Civility.choices
    )
    representative_title = models.CharField(
        _("qualité du représentant légal"), max_length=100, default="Président",
        help_text=_("Par exemple : Président, Présidente, Directeur général."),
    )
    representative_name = models.CharField(_("nom du représentant légal"), max_length=150)
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("mois de clôture de l'exercice"), default=12, validators=MONTH_RANGE,
        help_text=_("L'exercice se termine le dernier jour de ce mois (12 = 31 décembre)."),
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    bank_name = models.CharField(_("domiciliation bancaire"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()
    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("association bénéficiaire")
        verbose_name_plural = _("associations bénéficiaires")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(siret__regex=r"^[0-9]{14}$"), name="beneficiary_siret_14_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end_month__gte=1, fiscal_year_end_month__lte=12),
                name="beneficiary_fiscal_month_1_12",
            ),
            models.CheckConstraint(
                condition=models.Q(rna="") | models.Q(rna__regex=r"^W[0-9]{9}$"),
                name="beneficiary_rna_format",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        self.iban = normalize_iban(self.iban)
        self.bic = (self.bic or "").replace(" ", "").upper()
        super().save(*args, **kwargs)

    @property
    def representative(self) -> str:
        """Return « Monsieur Fabien ALLI », as the agreement names the signatory."""
        return f"{self.get_representative_civility_display()} {self.representative_name}"

    @property
    def short_name(self) -> str:
        return self.acronym or self.name


class MemberRole(models.TextChoices):
    PRESIDENT = "president", _("Président·e")
    TREASURER = "treasurer", _("Trésorier·ère")
    STAFF = "staff", _("Salarié·e ou bénévole")


class Membership(models.Model):
    """Gives a user access to one association's data on the portal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("association"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=MemberRole.choices, default=MemberRole.STAFF)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre d'une association")
        verbose_name_plural = _("membres des associations")
        constraints = [
            models.UniqueConstraint(fields=["user", "beneficiary"], name="membership_unique_user_beneficiary"),
        ]

    def __str__(self):
        return f"{self.user} — {self.beneficiary.short_name} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        """Return the invitations that can still be accepted."""
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A one-time link, sent by email, that lets a person join an association on the portal.

    Only the SHA-256 of the token is stored: the link itself exists only in the email.
    """

    email = models.EmailField(_("courriel"))
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("association"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=MemberRole.choices, default=MemberRole.STAFF)
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    used_at = models.DateTimeField(_("utilisée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("acceptée par"),
    )

    history = HistoricalRecords()
    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.beneficiary.short_name}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def state_label(self) -> str:
        if self.is_used:
            return _("Acceptée")
        if self.is_expired():
            return _("Expirée")
        return _("En attente")


__all__ = ["Beneficiary", "Membership", "Civility", "MemberRole", "Invitation"]
