"""Writes on associations, their members and the invitations that make members."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.identifiers import normalize_identifier
from beneficiaries.models import Beneficiary, Invitation, MemberRole, Membership
from beneficiaries.notify import send_text_email
from core.dates import french_datetime


def beneficiary_upsert(*, siret: str | None, **fields) -> Beneficiary:
    """Create or update the association identified by ``siret`` (as printed), validating every field.

    Without a SIRET (not given), a new association is created: nothing identifies an existing one.
    """
    siret = normalize_identifier(siret) or None
    existing = Beneficiary.objects.filter(siret=siret).first() if siret else None
    beneficiary = existing or Beneficiary(siret=siret)
    for name, value in fields.items():
        setattr(beneficiary, name, value)
    beneficiary.full_clean(validate_unique=False)
    beneficiary.save()
    return beneficiary


def membership_grant(*, user, beneficiary: Beneficiary, role: str = MemberRole.STAFF, by=None) -> Membership:
    """Give ``user`` access to ``beneficiary`` on the portal (idempotent).

    ``by``, when given, is who the audit trail names (a service run outside a staff request:
    the person registering their own association).
    """
    membership = Membership.objects.filter(user=user, beneficiary=beneficiary).first() or Membership(
        user=user, beneficiary=beneficiary)
    membership.role, membership.is_active = role, True
    if by is not None:
        membership._history_user = by
    membership.save()
    return membership


def user_upsert(*, username: str, password: str, **fields):
    """Create or update a user account with ``password``."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    for name, value in fields.items():
        setattr(user, name, value)
    user.set_password(password)
    user.save()
    return user


# Invitations ---------------------------------------------------------------------------------


class InvitationError(Exception):
    """An invitation link that cannot be used; ``message`` says why, in French."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def invitation_token_hash(token: str) -> str:
    """Return the stored form of an invitation token (its SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_find(*, token: str) -> Invitation | None:
    """Return the invitation whose link carries ``token``, or None."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("beneficiary").filter(token_hash=invitation_token_hash(token)).first()


def invitation_check(invitation: Invitation | None) -> Invitation:
    """Return ``invitation`` if it can still be accepted, else raise ``InvitationError``."""
    if invitation is None:
        raise InvitationError(
            _("Ce lien d'invitation n'est pas valide. Vérifiez que vous avez copié l'adresse entière, "
              "ou demandez une nouvelle invitation au service instructeur."), code="unknown")
    if invitation.is_used:
        raise InvitationError(
            _("Ce lien d'invitation a déjà été utilisé. Connectez-vous avec le mot de passe choisi à ce "
              "moment-là, ou utilisez « Mot de passe oublié »."), code="used")
    if invitation.is_expired():
        raise InvitationError(
            _("Ce lien d'invitation a expiré le %(date)s. Demandez une nouvelle invitation au service "
              "instructeur.") % {"date": french_datetime(invitation.expires_at)},
            code="expired")
    return invitation


def invitation_existing_user(invitation: Invitation):
    """Return the account that already uses the invitation's email, if any."""
    return get_user_model().objects.filter(email__iexact=invitation.email).order_by("pk").first()


@transaction.atomic
def invitation_create(*, beneficiary: Beneficiary, email: str, role: str = MemberRole.STAFF,
                      invited_by=None, site_url: str) -> Invitation:
    """Invite ``email`` to join ``beneficiary`` on the portal and send the one-time link.

    The link is valid ``INVITATION_VALID_DAYS`` days; an earlier pending invitation of the same
    person to the same association stops being valid. The email leaves once the transaction
    commits. The raw token is kept on the returned object (``invitation.token``) only.
    """
    email = email.strip().lower()
    now = timezone.now()
    for previous in Invitation.objects.pending(now).filter(beneficiary=beneficiary, email__iexact=email):
        previous.expires_at = now
        previous.save(update_fields=["expires_at"])
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, beneficiary=beneficiary, role=role, token_hash=invitation_token_hash(token),
        invited_by=invited_by, expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.token = token
    link = site_url.rstrip("/") + reverse("portal:invitation_accept", kwargs={"token": token})
    context = {"invitation": invitation, "link": link, "beneficiary": beneficiary,
               "expires_at": timezone.localtime(invitation.expires_at)}
    send_text_email(template="beneficiaries/email/invitation", context=context, recipients=[email], immediate=True)
    return invitation


def invitation_is_for(invitation: Invitation, user) -> bool:
    """Return True if ``user``'s email is the invited address (case and spaces aside)."""
    email = (getattr(user, "email", "") or "").strip().lower()
    return bool(email) and email == invitation.email.strip().lower()


@transaction.atomic
def invitation_accept(*, token: str, user=None, password: str = "", first_name: str = "",
                      last_name: str = "", other_account_confirmed: bool = False):
    """Use invitation ``token`` once: give ``user`` (or a new account) access to the association.

    Without ``user``, creates the account (its identifier is the invited email) with
    ``password``. Raises ``InvitationError`` for an unknown, used or expired link; a second use
    of the same link, even concurrent, is refused (the row is locked). An account whose email
    is not the invited address joins only with ``other_account_confirmed`` (code
    ``other_account`` otherwise): a forwarded or intercepted link is not enough.
    """
    found = invitation_find(token=token)
    invitation = invitation_check(
        found and Invitation.objects.select_for_update().select_related("beneficiary").get(pk=found.pk)
    )
    if user is not None and not invitation_is_for(invitation, user) and not other_account_confirmed:
        raise InvitationError(
            _("Cette invitation a été envoyée à %(email)s, et vous êtes connecté avec un autre compte : "
              "cochez la case de confirmation pour rejoindre « %(name)s » avec ce compte.")
            % {"email": invitation.email, "name": invitation.beneficiary.name}, code="other_account")
    if user is None:
        if invitation_existing_user(invitation) is not None:
            raise InvitationError(
                _("Un compte utilise déjà l'adresse %(email)s : connectez-vous, puis ouvrez de nouveau "
                  "ce lien.") % {"email": invitation.email}, code="existing_user")
        user = get_user_model()(username=_free_username(invitation.email), email=invitation.email,
                                first_name=first_name.strip(), last_name=last_name.strip())
        user.set_password(password)
        user.save()
    membership_grant(user=user, beneficiary=invitation.beneficiary, role=invitation.role)
    invitation.used_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["used_at", "accepted_by"])
    return user


def _free_username(email: str) -> str:
    """Return ``email`` as an identifier, suffixed when an account already has it."""
    users = get_user_model().objects
    candidate, n = email[:150], 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{email[:140]}-{n}"
    return candidate
