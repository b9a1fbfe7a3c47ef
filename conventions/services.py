"""Writes on funders and agreements."""

from datetime import date

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from conventions.freeze import ensure_convention_unfrozen
from conventions.models import Convention, Funder, StatusChange


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
    agreements whose real history happened outside the application. The agreement's own
    history records the resulting status, by ``by``, with that reason.
    """
    convention.status_changes.all().delete()
    previous = ""
    for status in path:
        StatusChange.objects.create(
            convention=convention, from_status=previous, to_status=status, by=by,
            comment="Reprise de l'historique",
        )
        previous = status
    convention.refresh_from_db()
    if previous and previous != convention.status:
        convention.status = previous
        if by is not None:
            convention._history_user = by
        convention._change_reason = "Reprise de l'historique"
        convention.save(update_fields=["status", "updated_at"])


# --- Lifecycle: one entry point per transition ------------------------------------------------




























# --- Amendments -------------------------------------------------------------------------------





@transaction.atomic
def convention_record_open_data_publication(*, conventions, published_on: date) -> int:
    """Record that the data of ``conventions`` were published on ``published_on`` (décret 2017-779).

    Agreements already marked as published keep their first publication date. Returns how many
    agreements were marked.
    """
    pending = [c for c in conventions if c.open_data_published_on is None]
    for convention in pending:
        convention.open_data_published_on = published_on
    if pending:
        bulk_update_with_history(pending, Convention, ["open_data_published_on"])
    return len(pending)
