"""Writes on funders and agreements."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from conventions.deliberation import deliberation_missing
from conventions.freeze import ensure_convention_unfrozen
from conventions.models import VOTED_STATES, Convention, Funder, StatusChange, Tranche
from conventions.tranches import schedule_refusals, tranche_change_refusal, tranches_total


def funder_upsert(*, siret: str, **fields) -> Funder:
    """Create or update the funder identified by ``siret``, validating every field."""
    funder = Funder.objects.filter(siret=siret).first() or Funder(siret=siret)
    for name, value in fields.items():
        setattr(funder, name, value)
    funder.full_clean(validate_unique=False)
    funder.save()
    return funder


@transaction.atomic
def convention_assign_agent(*, convention: Convention, agent, user) -> Convention:
    """Name ``agent`` (an active staff user, or None) the agreement's instructing agent, audited in its history."""
    if agent is not None and not (agent.is_staff and agent.is_active):
        raise ValidationError(_("L'agent instructeur doit être un membre actif du personnel."))
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    convention.instructing_agent = agent
    convention._history_user = user
    convention._change_reason = (_("Agent instructeur : %(name)s") % {"name": agent.get_full_name() or agent.get_username()}
                                 if agent is not None else _("Agent instructeur retiré"))
    convention.save(update_fields=["instructing_agent", "updated_at"])
    return convention


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


# --- Multi-year agreements: the yearly tranches ------------------------------------------------

#: What a row of the schedule may carry (``convention_tranches_save``).
TRANCHE_FIELDS = ("year", "amount", "deliberation_body", "deliberation_number", "deliberation_date",
                  "deliberation_year", "deliberation_month")


def tranche_rows_refusals(*, convention: Convention, rows: list[dict]) -> list[str]:
    """Return, in French, why the schedule ``rows`` is refused for ``convention`` (empty: accepted).

    Each row is a dict of ``TRANCHE_FIELDS``, with ``tranche`` (the stored one, None for a new
    year) and ``delete``. The admin's inline shows these reasons; the service refuses with them.
    """
    kept = [row for row in rows if not row.get("delete")]
    refusals = schedule_refusals(convention, [row.get("year") for row in kept])
    signed = convention.is_signed
    for row in rows:
        stored = row.get("tranche")
        if row.get("delete"):
            if stored is not None and stored.is_voted:
                refusals.append(_("L'année %(year)s est votée : sa tranche ne peut pas être supprimée.")
                                % {"year": stored.year})
            elif stored is not None and signed:
                refusals.append(_("La convention est signée : une tranche ne peut être supprimée que par un avenant."))
            continue
        year, amount = row.get("year", getattr(stored, "year", None)), row.get("amount", getattr(stored, "amount", None))
        if reason := tranche_change_refusal(stored=stored, year=year, amount=amount, signed=signed):
            refusals.append(reason)
        if stored is not None and stored.is_voted and any(
                row[name] != getattr(stored, name) for name in TRANCHE_FIELDS if name.startswith("deliberation") and name in row):
            refusals.append(_("L'année %(year)s est votée : sa délibération ne change plus.") % {"year": stored.year})
    return list(dict.fromkeys(refusals))


@transaction.atomic
def convention_tranches_save(*, convention: Convention, rows: list[dict], user=None) -> list[Tranche]:
    """Save the yearly schedule of a multi-year agreement, and its total as its amount granted.

    Refused whole (nothing saved, French reasons) when ``tranche_rows_refusals`` refuses it or a
    row does not validate. The agreement's ``amount_granted`` becomes the sum of its years
    (``conventions.tranches.tranches_total``): the one place it is written for a multi-year agreement.
    """
    convention = Convention.objects.select_for_update().select_related("funder").get(pk=convention.pk)
    stored = {t.pk: t for t in convention.tranches.all()}
    rows = [_with_stored(row, stored.get(getattr(row.get("tranche"), "pk", None))) for row in rows]
    if refusals := tranche_rows_refusals(convention=convention, rows=rows):
        raise ValidationError(refusals)
    for row in rows:
        tranche = row["tranche"]
        if row.get("delete"):
            if tranche is not None:
                tranche._history_user = user
                tranche.delete()
            continue
        tranche = tranche or Tranche(convention=convention)
        for name in TRANCHE_FIELDS:
            setattr(tranche, name, row.get(name, getattr(tranche, name)))
        tranche.full_clean(exclude=["convention"], validate_unique=False)
        tranche._history_user = user
        tranche.save()
    convention_total_sync(convention=convention, user=user)
    return list(convention.tranches.order_by("year"))


def _with_stored(row: dict, tranche: Tranche | None) -> dict:
    """Return ``row`` completed by the stored tranche's values for the fields it does not give."""
    stored = {name: getattr(tranche, name) for name in TRANCHE_FIELDS} if tranche is not None else {}
    return {**stored, **row, "tranche": tranche}


def convention_total_sync(*, convention: Convention, user=None) -> None:
    """Write the sum of a multi-year agreement's years as its amount granted (audited), when it differs."""
    total = tranches_total(convention.tranches.values_list("amount", flat=True))
    if not convention.is_multiannual or total == convention.amount_granted:
        return
    convention.amount_granted = total
    convention._history_user = user
    convention._change_reason = _("Total des tranches annuelles")
    convention.save(update_fields=["amount_granted", "updated_at"])


def tranche_vote_refusal(tranche: Tranche) -> str | None:
    """Return why the vote of ``tranche``'s year cannot be recorded now, or None."""
    if tranche.is_voted:
        return _("Le vote de l'année %(year)s est déjà enregistré.") % {"year": tranche.year}
    if tranche.convention.status not in VOTED_STATES:
        return _("La convention elle-même doit être votée avant le vote d'une année.")
    if tranche.amount is None:
        return _("Le montant de l'année %(year)s n'est pas renseigné : le vote l'exige.") % {"year": tranche.year}
    if not tranche.amount:
        return _("Le montant de l'année %(year)s est de 0 € : indiquez le montant voté.") % {"year": tranche.year}
    if missing := deliberation_missing(tranche):
        return _("La délibération de l'année %(year)s n'est pas complète : il manque %(missing)s.") % {
            "year": tranche.year, "missing": ", ".join(missing)}
    return None


#: The deliberation's fields, named alike on the agreement and on a year.
DELIBERATION_FIELDS = ("deliberation_body", "deliberation_number", "deliberation_date", "deliberation_year",
                       "deliberation_month")


@transaction.atomic
def first_year_vote(*, convention: Convention, user) -> Tranche | None:
    """Record the vote of a multi-year agreement's first year with the agreement's own vote (called by it).

    The deliberation that votes a multi-year agreement votes its first year: that year takes the
    agreement's deliberation when its own is not complete (empty or a placeholder), then its vote is
    recorded (``tranche_vote``, same guards). Refused as the year's vote is (French reason) so that
    the agreement's vote, in the same transaction, is refused whole. Nothing to do for a one-year
    agreement, one without years yet, or a first year already voted.
    """
    if not convention.is_multiannual:
        return None
    first = Tranche.objects.select_for_update().filter(convention=convention).order_by("year").first()
    if first is None or first.is_voted:
        return None
    if deliberation_missing(first):
        for name in DELIBERATION_FIELDS:
            setattr(first, name, getattr(convention, name))
        first._history_user = user
        first._change_reason = _("Délibération de la convention reprise pour sa première année")
        first.save()
    try:
        return tranche_vote(tranche=first, user=user)
    except ValidationError as error:
        raise ValidationError([_("La première année (%(year)s) de cette convention pluriannuelle est votée avec "
                                 "elle, mais son vote ne peut pas être enregistré :") % {"year": first.year},
                               *error.messages]) from None


@transaction.atomic
def tranche_vote(*, tranche: Tranche, user) -> Tranche:
    """Record the vote of one year of a multi-year agreement: its amount and deliberation are then fixed."""
    if not user.has_perm("conventions.change_convention"):
        raise ValidationError(_("Vous n'avez pas le droit d'enregistrer un vote."))
    tranche = Tranche.objects.select_for_update().select_related("convention__funder").get(pk=tranche.pk)
    if reason := tranche_vote_refusal(tranche):
        raise ValidationError(reason)
    tranche.voted_at = timezone.now()
    tranche._history_user = user
    tranche._change_reason = _("Vote de l'année enregistré")
    tranche.save()
    return tranche
