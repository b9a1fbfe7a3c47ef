"""How many indicators one set may define, with its reason (issue 5: bounded sizes).

A report holds one value per definition of its set: the bound on definitions is the bound on
the values of a report, and on the fields of the association's yearly form, the staff review
page and annex V of the agreement's PDF.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Definitions of one set, bands and « dont » parts included. The seed's annex V defines 18 (its
#: annex IV 11, the demo's common set 13); 200 is ten times the largest, and keeps the portal's
#: form, the review page and annex V within their 2 s target (bench/bounds.py).
MAX_DEFINITIONS_PER_SET = 200
#: Values of one report: one per definition of its set.
MAX_VALUES_PER_REPORT = MAX_DEFINITIONS_PER_SET


def check_definition_count(count: int) -> None:
    """Refuse a set that would define ``count`` indicators, more than ``MAX_DEFINITIONS_PER_SET``."""
    if count > MAX_DEFINITIONS_PER_SET:
        raise ValidationError(
            _("Un jeu compte au plus %(max)s indicateurs (tranches et « dont » compris) : celui-ci en compterait "
              "%(count)s.") % {"max": MAX_DEFINITIONS_PER_SET, "count": count},
            code="too_many_definitions",
        )


def check_value_count(count: int) -> None:
    """Refuse a report of ``count`` values, more than ``MAX_VALUES_PER_REPORT``."""
    if count > MAX_VALUES_PER_REPORT:
        raise ValidationError(
            _("Un rapport compte au plus %(max)s valeurs d'indicateurs : son jeu en demanderait %(count)s. "
              "Réduisez le jeu d'indicateurs dans l'administration.") % {"max": MAX_VALUES_PER_REPORT, "count": count},
            code="too_many_values",
        )
