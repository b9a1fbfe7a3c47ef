"""Writes on associations and their members."""

from django.contrib.auth import get_user_model

from .models import Beneficiary, MemberRole, Membership


def beneficiary_upsert(*, siret: str, **fields) -> Beneficiary:
    """Create or update the association identified by ``siret``, validating every field."""
    beneficiary = Beneficiary.objects.filter(siret=siret).first() or Beneficiary(siret=siret)
    for name, value in fields.items():
        setattr(beneficiary, name, value)
    beneficiary.full_clean(validate_unique=False)
    beneficiary.save()
    return beneficiary


def membership_grant(*, user, beneficiary: Beneficiary, role: str = MemberRole.STAFF) -> Membership:
    """Give ``user`` access to ``beneficiary`` on the portal (idempotent)."""
    membership, _created = Membership.objects.update_or_create(
        user=user, beneficiary=beneficiary, defaults={"role": role, "is_active": True}
    )
    return membership


def user_upsert(*, username: str, password: str, **fields):
    """Create or update a user account with ``password``."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    for name, value in fields.items():
        setattr(user, name, value)
    user.set_password(password)
    user.save()
    return user
