"""Writes on funders and agreements."""

from django.db import transaction

from .freeze import ensure_convention_unfrozen
from .models import Convention, Funder, StatusChange


def funder_upsert(*, siret: str, **fields) -> Funder:
    """Create or update the funder identified by ``siret``, validating every field."""
    funder = Funder.objects.filter(siret=siret).first() or Funder(siret=siret)
    for name, value in fields.items():
        setattr(funder, name, value)
    funder.full_clean(validate_unique=False)
    funder.save()
    return funder


def convention_upsert(*, reference: str, **fields) -> Convention:
    """Create or update the agreement identified by ``reference``, validating every field.

    Once signed, the agreement's printed data is refused any change (``freeze.FROZEN_FIELDS``).
    """
    convention = Convention.objects.filter(reference=reference).first() or Convention(reference=reference)
    for name, value in fields.items():
        setattr(convention, name, value)
    convention.full_clean(validate_unique=False)
    ensure_convention_unfrozen(convention)
    convention.save()
    return convention


@transaction.atomic
def convention_load_history(*, convention: Convention, path: list[str], by=None) -> None:
    """Record a past lifecycle for data taken over from before the software (demo, migration).

    Replays ``path`` (a list of statuses) as status changes, without guards: it is only for
    agreements whose real history happened outside the application.
    """
    convention.status_changes.all().delete()
    previous = ""
    for status in path:
        StatusChange.objects.create(
            convention=convention, from_status=previous, to_status=status, by=by,
            comment="Reprise de l'historique",
        )
        previous = status
    Convention.objects.filter(pk=convention.pk).update(status=previous or convention.status)
    convention.refresh_from_db(fields=["status"])
