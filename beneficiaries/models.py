"""Associations funded by the Métropole, and the people who act for them on the portal."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.identifiers import (
    IdentifierField,
    IdentifierState,
    identifier_state,
    normalize_iban,
    rna_is_valid,
    siret_is_valid,
    validate_bic,
    validate_iban,
    validate_rna,
    validate_siret,
)
from core.deadlines import MONTH_RANGE
from core.french import elides


class Civility(models.TextChoices):
    MR = "M.", _("Monsieur")
    MRS = "Mme", _("Madame")


class BeneficiaryQuerySet(models.QuerySet):
    def for_member(self, user):
        """Return the associations ``user`` may act for on the portal."""
        return self.filter(memberships__user=user, memberships__is_active=True)


def identifier_display(value: str | None, state: IdentifierState) -> str:
    """Return an identifier as staff see it: « non renseigné », or the value flagged when not valid."""
    if state == IdentifierState.MISSING:
        return str(_("non renseigné"))
    if state == IdentifierState.TO_CHECK:
        return str(_("%(value)s (à vérifier)")) % {"value": value}
    if state == IdentifierState.INVALID:
        return str(_("%(value)s (invalide)")) % {"value": value}
    return value


class Beneficiary(models.Model):
    name = models.CharField(_("dénomination"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    legal_form = models.CharField(_("forme juridique"), max_length=100, default="Association loi 1901")
    # Unknown (not printed on the document) is NULL: several associations may lack it, and the
    # unique constraint ignores NULLs. Longer than 14 so that a wrong printed value can be kept.
    siret = IdentifierField(
        _("SIRET"), max_length=20, unique=True, null=True, blank=True,
        help_text=_("14 chiffres, tels qu'imprimés : les espaces et les points sont retirés. "
                    "Laissé vide : non renseigné."),
    )
    siret_to_check = models.BooleanField(
        _("SIRET à vérifier"), default=False,
        help_text=_("Cochez pour conserver, tel qu'imprimé sur un document signé, un SIRET invalide : "
                    "il est signalé dans le bloc de conformité et n'est jamais compté valide."),
    )
    rna = IdentifierField(
        _("numéro RNA"), max_length=20, blank=True,
        help_text=_("W suivi de 9 chiffres (espaces et points retirés). Laissé vide : non renseigné."),
    )
    rna_to_check = models.BooleanField(
        _("RNA à vérifier"), default=False,
        help_text=_("Cochez pour conserver, tel qu'imprimé sur un document signé, un numéro RNA invalide."),
    )
    address = models.CharField(
        _("adresse"), max_length=255, blank=True,
        help_text=_("Numéro et voie. Laissée vide si le document ne l'indique pas : la convention "
                    "n'imprime alors que la commune du siège."),
    )
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
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
                condition=models.Q(siret__isnull=True) | models.Q(siret_to_check=True)
                | models.Q(siret__regex=r"^[0-9]{14}$"),
                name="beneficiary_siret_14_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end_month__gte=1, fiscal_year_end_month__lte=12),
                name="beneficiary_fiscal_month_1_12",
            ),
            models.CheckConstraint(
                condition=models.Q(rna="") | models.Q(rna_to_check=True) | models.Q(rna__regex=r"^W[0-9]{9}$"),
                name="beneficiary_rna_format",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        self.iban = normalize_iban(self.iban)
        self.bic = (self.bic or "").replace(" ", "").upper()
        self._clear_empty_flags()
        super().save(*args, **kwargs)

    def clean(self):
        """Refuse an invalid SIRET or RNA unless it is kept « à vérifier », as printed."""
        self._clear_empty_flags()
        errors = {}
        for name, flag, validate, box in (
            ("siret", "siret_to_check", validate_siret, _("SIRET à vérifier")),
            ("rna", "rna_to_check", validate_rna, _("RNA à vérifier")),
        ):
            value = getattr(self, name)
            if value and not getattr(self, flag):
                try:
                    validate(value)
                except ValidationError as error:
                    hint = _("S'il est ainsi imprimé sur un document signé, cochez « %(box)s » pour le "
                             "conserver tel quel.") % {"box": box}
                    errors[name] = [f"{message} {hint}" for message in error.messages]
        if errors:
            raise ValidationError(errors)

    def _clear_empty_flags(self):
        """An identifier not given has nothing to check."""
        if not self.siret:
            self.siret, self.siret_to_check = None, False
        if not self.rna:
            self.rna_to_check = False

    @property
    def siret_state(self) -> IdentifierState:
        return identifier_state(self.siret, to_check=self.siret_to_check, is_valid=siret_is_valid)

    @property
    def rna_state(self) -> IdentifierState:
        return identifier_state(self.rna, to_check=self.rna_to_check, is_valid=rna_is_valid)

    @property
    def siret_display(self) -> str:
        """Return the SIRET for staff and finance: « non renseigné », or flagged when not valid."""
        return identifier_display(self.siret, self.siret_state)

    @property
    def rna_display(self) -> str:
        return identifier_display(self.rna, self.rna_state)

    @property
    def postal_address(self) -> str:
        """Return what is known of the seat's address: « 1, place de la Mairie, 13001 Marseille »."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.address, town) if part)

    @property
    def seat_address(self) -> str:
        """Return what follows « dont le siège est situé » in a legal document.

        Without the street (the document does not give it), the clause names the town only —
        « à Marseille (13001) » — rather than print a placeholder.
        """
        if self.address:
            return self.postal_address
        if not self.city:
            return ""
        return f"à {self.city} ({self.postal_code})" if self.postal_code else f"à {self.city}"

    @property
    def representative(self) -> str:
        """Return « Monsieur Fabien ALLI », as the agreement names the signatory."""
        return f"{self.get_representative_civility_display()} {self.representative_name}"

    @property
    def salutation(self) -> str:
        """Return how a letter greets the legal representative: « Madame la Présidente », « Monsieur le Président ».

        The civility and the title as recorded (« Monsieur le Directeur général », « Madame l'Administratrice »);
        the civility alone without a title (« Madame »); « Madame, Monsieur » when the civility is not known.
        No comma: the letter adds it (« Madame la Présidente, » on top, « agréer, Madame la Présidente, l'expression »).
        """
        civility = {Civility.MRS: _("Madame"), Civility.MR: _("Monsieur")}.get(self.representative_civility)
        if civility is None:
            return str(_("Madame, Monsieur"))
        title = (self.representative_title or "").strip()
        if not title:
            return str(civility)
        article = "l'" if elides(title) else ("la " if self.representative_civility == Civility.MRS
                                                                          else "le ")
        return f"{civility} {article}{title[0].upper()}{title[1:]}"

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
