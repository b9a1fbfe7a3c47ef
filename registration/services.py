"""Self-registration of an association on the portal: the account, the association, the link.

``registration_create`` writes, in one transaction, an inactive account, the association and
its president's membership, and the ``Registration`` that tells staff the identity is not yet
checked; the activation link leaves once it commits. ``registration_activate`` opens the
account once. ``registration_verify`` is the staff's check. Every write names its author in
the audit trail: the new member for what they created, the agent for the verification.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from beneficiaries.duties import review_conflict
from beneficiaries.identifiers import normalize_identifier
from beneficiaries.models import Beneficiary, MemberRole
from beneficiaries.notify import send_text_email
from beneficiaries.services import membership_grant
from registration.models import Registration


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Django's signed, dated token, for one use: activating the account changes what it signs.

    Valid ``PASSWORD_RESET_TIMEOUT`` seconds, like a password reset link; its own salt, so that
    a password reset link is no activation link and the other way round.
    """

    key_salt = "registration.services.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


activation_token = ActivationTokenGenerator()


@dataclass(frozen=True)
class AssociationInput:
    """The association as its member typed it (identifiers as printed: spaces and dots allowed)."""

    name: str
    siret: str
    rna: str
    address: str
    postal_code: str
    city: str
    representative_civility: str
    representative_title: str
    representative_name: str
    acronym: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PersonInput:
    first_name: str
    last_name: str
    email: str
    password: str


class ActivationError(Exception):
    """An activation link that cannot be used; ``message`` says why, in French."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# The rules -----------------------------------------------------------------------------------


def registered_association(*, siret: str = "", rna: str = "") -> Beneficiary | None:
    """Return the association already on file with this SIRET or RNA (as printed), or None."""
    siret, rna = normalize_identifier(siret), normalize_identifier(rna)
    query = Q()
    if siret:
        query |= Q(siret=siret)
    if rna:
        query |= Q(rna=rna)
    return Beneficiary.objects.filter(query).order_by("pk").first() if query else None


def existing_account(email: str):
    """Return the account that already uses ``email`` (as its address or its identifier), or None."""
    email = (email or "").strip()
    if not email:
        return None
    return get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).order_by("pk").first()


def already_registered_message(beneficiary: Beneficiary) -> str:
    return _("L'association « %(name)s » est déjà inscrite avec ce numéro : elle n'est pas créée une seconde "
             "fois. Demandez à l'un de ses membres ou au service instructeur de vous inviter à rejoindre son "
             "espace.") % {"name": beneficiary.name}


def existing_account_message() -> str:
    return _("Un compte utilise déjà cette adresse électronique. Connectez-vous, ou utilisez « Mot de passe "
             "oublié » pour en choisir un nouveau.")


def registration_refusals(*, siret: str = "", rna: str = "", email: str = "") -> dict[str, str]:
    """Return, by field, why this registration may not go on: the association or the account exists."""
    refusals = {}
    for field, value in (("siret", siret), ("rna", rna)):
        found = registered_association(**{field: value}) if value else None
        if found is not None:
            refusals[field] = already_registered_message(found)
    if existing_account(email) is not None:
        refusals["user_email"] = existing_account_message()
    return refusals


# Writes --------------------------------------------------------------------------------------


@transaction.atomic
def registration_create(*, association: AssociationInput, person: PersonInput, site_url: str) -> Registration:
    """Register a new association and its first member; send the activation link once committed.

    Refused (``ValidationError`` by field, nothing saved) when an association already has this
    SIRET or RNA, or an account this email. The account stays inactive until its link is
    opened; its member is the association's president, who may invite others later.
    """
    siret, rna = normalize_identifier(association.siret), normalize_identifier(association.rna)
    email = person.email.strip().lower()
    if not siret and not rna:
        raise ValidationError({"siret": _("Indiquez le numéro SIRET ou le numéro RNA de l'association.")})
    refusals = registration_refusals(siret=siret, rna=rna, email=email)
    if refusals:
        raise ValidationError(refusals)
    user = get_user_model()(username=email, email=email, first_name=person.first_name.strip(),
                            last_name=person.last_name.strip(), is_active=False)
    user.set_password(person.password)
    beneficiary = Beneficiary(
        name=association.name.strip(), acronym=association.acronym.strip(), siret=siret or None, rna=rna,
        address=association.address.strip(), postal_code=association.postal_code.strip(),
        city=association.city.strip(), email=association.email.strip(), phone=association.phone.strip(),
        representative_civility=association.representative_civility,
        representative_title=association.representative_title.strip(),
        representative_name=association.representative_name.strip(),
    )
    beneficiary.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # a concurrent registration of the same SIRET or email
            user.save()
            beneficiary._history_user = user
            beneficiary.save()
    except IntegrityError:
        raise ValidationError(registration_refusals(siret=siret, rna=rna, email=email)
                              or {"siret": _("Cette inscription vient d'être faite : rechargez la page.")}) from None
    membership_grant(user=user, beneficiary=beneficiary, role=MemberRole.PRESIDENT, by=user)
    registration = Registration(beneficiary=beneficiary, user=user)
    registration._history_user = user
    registration.save()
    activation_send(registration=registration, site_url=site_url)
    return registration


def activation_link(user, *, site_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("registration:activate", kwargs={"uidb64": uid, "token": activation_token.make_token(user)})
    return site_url.rstrip("/") + path


def activation_send(*, registration: Registration, site_url: str) -> None:
    """Send the activation link to the registered person, once the transaction commits."""
    user = registration.user
    context = {"registration": registration, "beneficiary": registration.beneficiary, "user": user,
               "link": activation_link(user, site_url=site_url),
               "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    send_text_email(template="registration/email/activation", context=context, recipients=[user.email],
                    immediate=True)


def pending_registration(email: str) -> Registration | None:
    """Return the registration of ``email`` whose account is not activated yet, or None."""
    email = (email or "").strip()
    if not email:
        return None
    return (Registration.objects.select_related("user", "beneficiary")
            .filter(user__email__iexact=email, activated_at__isnull=True, user__is_active=False)
            .order_by("-created_at").first())


def activation_resend(*, email: str, site_url: str) -> bool:
    """Send a new activation link to ``email`` if it registered and is not activated; return whether sent.

    The page says the same either way: it tells nobody which addresses registered.
    """
    registration = pending_registration(email)
    if registration is None:
        return False
    activation_send(registration=registration, site_url=site_url)
    return True


def activation_check(*, uidb64: str, token: str) -> Registration:
    """Return the registration whose activation link this is, if it may still be used.

    Raises ``ActivationError``: ``unknown`` (no such account), ``used`` (already activated),
    ``expired`` (too old, or altered).
    """
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        pk = None
    registration = None
    if pk is not None and 0 < pk < 2**63:
        registration = Registration.objects.select_related("user", "beneficiary").filter(user_id=pk).first()
    if registration is None or registration.user is None:
        raise ActivationError(_("Ce lien d'activation n'est pas valide. Vérifiez que vous avez copié l'adresse "
                                "entière."), code="unknown")
    if registration.activated_at is not None:
        raise ActivationError(_("Ce lien a déjà servi : votre compte est activé. Connectez-vous avec votre adresse "
                                "électronique et votre mot de passe."), code="used")
    if not activation_token.check_token(registration.user, (token or "")[:100]):
        raise ActivationError(_("Ce lien d'activation a expiré : il reste valable %(hours)d heures. Demandez-en un "
                                "nouveau ci-dessous.") % {"hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
                              code="expired")
    return registration


@transaction.atomic
def registration_activate(*, uidb64: str, token: str) -> Registration:
    """Use the activation link once: the account becomes active. Raises ``ActivationError``."""
    found = activation_check(uidb64=uidb64, token=token)
    Registration.objects.select_for_update().filter(pk=found.pk).first()  # a second click waits here
    registration = activation_check(uidb64=uidb64, token=token)  # then finds the link used
    user = registration.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    registration.activated_at = timezone.now()
    registration._history_user = user
    registration._change_reason = "Compte activé par le lien envoyé par courriel"
    registration.save()
    return registration


def verification_conflict(registration: Registration, user) -> str | None:
    """Return, in French, why ``user`` may not verify this identity (they registered it, or are a member)."""
    return review_conflict(user, beneficiary=registration.beneficiary, submitted_by=registration.user,
                           what=_("cette inscription"))


@transaction.atomic
def registration_verify(*, registration: Registration, by) -> Registration:
    """Mark the association's identity as checked by ``by`` (an agent); already verified: unchanged."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.is_verified:
        return registration
    conflict = verification_conflict(registration, by)
    if conflict:
        raise ValidationError(conflict)
    registration.verified_by, registration.verified_at = by, timezone.now()
    registration._history_user = by
    registration._change_reason = "Identité de l'association vérifiée"
    registration.save()
    return registration
