"""The legality control (« contrôle de légalité ») of the signed agreement, and when it becomes enforceable.

Once signed, the agreement is transmitted to the préfecture; the date of its receipt there
makes it enforceable (« caractère exécutoire », DOMAIN.md §11). ``enforceable_from`` is that
one rule; the admin, the portal and the printed mention (``legality_mention``) all read it.

Nothing else waits for enforceability today: the payments follow the notification (DOMAIN.md
§3-4), as before.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.dates import french_date


def enforceable_from(convention) -> date | None:
    """Return the date from which the agreement is enforceable: its receipt at the legality control."""
    return convention.legality_received_on


def is_enforceable(convention, on: date | None = None) -> bool:
    start = enforceable_from(convention)
    return start is not None and start <= (on or date.today())


def legality_mention(convention) -> list[str]:
    """Return the lines printed on the agreement once it is received by the legality control (else [])."""
    start = enforceable_from(convention)
    if start is None:
        return []
    lines = []
    if convention.legality_transmitted_on:
        lines.append(_("Transmise au contrôle de légalité le %(day)s") % {"day": french_date(convention.legality_transmitted_on)})
    lines.append(_("Reçue au contrôle de légalité le %(day)s") % {"day": french_date(convention.legality_received_on)})
    lines.append(_("Exécutoire à compter du %(day)s") % {"day": french_date(start)})
    return lines


def legality_summary(convention, *, signed: bool) -> str:
    """Return, in French, where the agreement stands with the legality control (admin and portal)."""
    start = enforceable_from(convention)
    transmitted = convention.legality_transmitted_on
    if start is not None:
        sentence = _("Exécutoire depuis le %(day)s, date de sa réception au contrôle de légalité") % {
            "day": french_date(start)}
        if transmitted:
            sentence += _(" (transmise le %(day)s)") % {"day": french_date(transmitted)}
        return sentence + "."
    if transmitted:
        return _("Transmise au contrôle de légalité le %(day)s ; pas encore exécutoire : la date de réception "
                 "par la préfecture n'est pas encore enregistrée.") % {"day": french_date(transmitted)}
    if signed:
        return _("Pas encore transmise au contrôle de légalité : la convention n'est pas encore exécutoire.")
    return _("La convention sera transmise au contrôle de légalité une fois signée ; elle sera exécutoire "
             "à compter de sa réception par la préfecture.")


def legality_clean(convention, *, signed: bool, today: date | None = None) -> None:
    """Refuse legality dates that the order of things makes impossible (French messages, by field)."""
    transmitted, received = convention.legality_transmitted_on, convention.legality_received_on
    if not (transmitted or received):
        return
    today = today or date.today()
    errors = {}
    if not signed:
        message = _("Le contrôle de légalité porte sur la convention signée : enregistrez d'abord les signatures.")
        errors = {name: message for name, value in (("legality_transmitted_on", transmitted),
                                                    ("legality_received_on", received)) if value}
        raise ValidationError(errors)
    signatures = [d for d in (convention.beneficiary_signed_on, convention.funder_signed_on) if d]
    last_signature = max(signatures) if len(signatures) == 2 else None
    if transmitted and last_signature and transmitted < last_signature:
        errors["legality_transmitted_on"] = _(
            "La transmission au contrôle de légalité ne peut pas précéder la signature (le %(day)s).") % {
            "day": french_date(last_signature)}
    if received and transmitted and received < transmitted:
        errors["legality_received_on"] = _(
            "La réception au contrôle de légalité ne peut pas précéder sa transmission (le %(day)s).") % {
            "day": french_date(transmitted)}
    if received and last_signature and received < last_signature and "legality_received_on" not in errors:
        errors["legality_received_on"] = _(
            "La réception au contrôle de légalité ne peut pas précéder la signature (le %(day)s).") % {
            "day": french_date(last_signature)}
    for name, value in (("legality_transmitted_on", transmitted), ("legality_received_on", received)):
        if value and value > today and name not in errors:
            errors[name] = _("Cette date est postérieure à aujourd'hui.")
    if errors:
        raise ValidationError(errors)
