"""What a vote locks: the amount voted, on the deliberation's line and on the agreement drawn from it.

After the vote, neither the line's amount nor the amount granted of the agreement it produced may
change by an edit: an amendment (``conventions.Amendment``) is the way, and the amount in force
adds it up (``finance.rules``). The guard sits on the save itself, so that no path (admin, import,
service) goes around it; the admin also shows those fields read-only.
"""

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

from conventions.models import Convention
from deliberations.models import Deliberation, DeliberationLine, DeliberationStatus, LineOutcome

#: What the agreement drawn from a vote takes from it, read-only in the admin: the amount and the deliberation.
VOTED_FIELDS = ("amount_granted", "deliberation_body", "deliberation_number", "deliberation_date",
                "deliberation_year", "deliberation_month")


def voted_line_of(convention: Convention) -> DeliberationLine | None:
    """Return the voted line that produced ``convention``, if any."""
    if convention is None or convention.pk is None:
        return None
    return (DeliberationLine.objects.filter(application__convention=convention, outcome=LineOutcome.GRANTED)
            .select_related("deliberation").first())


def amount_locked_refusal(deliberation: Deliberation) -> str:
    return _("Ce montant a été voté par la délibération n° %(number)s : il ne peut plus être modifié que par un "
             "avenant.") % {"number": deliberation.number}


def _refuse_convention_amount_change(sender, instance: Convention, **kwargs):
    if instance.pk is None or kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "amount_granted" not in update_fields:
        return
    stored = Convention.objects.filter(pk=instance.pk).values_list("amount_granted", flat=True).first()
    if stored == instance.amount_granted:
        return
    line = voted_line_of(instance)
    if line is not None:
        raise ValidationError({"amount_granted": amount_locked_refusal(line.deliberation)}, code="voted")


def _refuse_line_amount_change(sender, instance: DeliberationLine, **kwargs):
    if instance.pk is None or kwargs.get("raw"):
        return
    stored = (DeliberationLine.objects.filter(pk=instance.pk).values_list("voted_amount", "deliberation__status")
              .first())
    if stored is None or stored[0] == instance.voted_amount:
        return
    if stored[1] != DeliberationStatus.DRAFT:
        raise ValidationError({"voted_amount": amount_locked_refusal(instance.deliberation)}, code="voted")


def connect() -> None:
    pre_save.connect(_refuse_convention_amount_change, sender=Convention, dispatch_uid="deliberations_amount_lock")
    pre_save.connect(_refuse_line_amount_change, sender=DeliberationLine, dispatch_uid="deliberations_line_lock")
