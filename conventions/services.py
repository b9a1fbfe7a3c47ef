"""Writes on funders and agreements."""

from datetime import date

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Convention, Document, DocumentStatus, Funder, StatusChange


def funder_upsert(*, siret: str, **fields) -> Funder:
    """Create or update the funder identified by ``siret``, validating every field."""
    funder = Funder.objects.filter(siret=siret).first() or Funder(siret=siret)
    for name, value in fields.items():
        setattr(funder, name, value)
    funder.full_clean(validate_unique=False)
    funder.save()
    return funder


def convention_upsert(*, reference: str, **fields) -> Convention:
    """Create or update the agreement identified by ``reference``, validating every field."""
    convention = Convention.objects.filter(reference=reference).first() or Convention(reference=reference)
    for name, value in fields.items():
        setattr(convention, name, value)
    convention.full_clean(validate_unique=False)
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


@transaction.atomic
def convention_schedule_documents(*, convention: Convention, expected) -> list[Document]:
    """Create the expected documents ``convention`` does not have yet, and date undated ones.

    ``expected`` comes from ``conventions.obligations.expected_documents``. A kind already on
    file is never duplicated; an expected document without a due date receives the new one.
    """
    existing = {doc.kind: doc for doc in convention.documents.all()}
    new = [
        Document(convention=convention, kind=item.kind, due_on=item.due_on, status=DocumentStatus.EXPECTED)
        for item in expected if item.kind not in existing
    ]
    dated = []
    for item in expected:
        doc = existing.get(item.kind)
        if doc and doc.status == DocumentStatus.EXPECTED and doc.due_on is None and item.due_on:
            doc.due_on = item.due_on
            dated.append(doc)
    if dated:
        bulk_update_with_history(dated, Document, ["due_on"])
    return bulk_create_with_history(new, Document) if new else []


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
