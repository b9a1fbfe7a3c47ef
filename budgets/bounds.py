"""How large a budget may grow: one bound per thing a member can add, each with its reason.

The portal's form, the staff admin, the spreadsheet import and the services all read these
constants and refuse with these messages, before anything is written: a budget past its bound
made the portal form, the admin page and the agreement PDF too slow to open (issue 5), so that
nobody could correct it anymore.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.money import format_decimal_fr

#: Lines of one budget. The Cerfa 12156 chart has 46 accounts, about sixty lines once a treasurer
#: adds the « dont » lines; a large association splits some accounts into sub-lines (one per
#: co-funder in chapter 74, one per post in chapter 64): the seed's budget has 24 lines. 300 is
#: five times a detailed Cerfa budget. It was 500 at first: at 500 lines the agreement's PDF (annex
#: I over 21 pages) took 2.3 s of CPU in bench/bounds.py, over the 2 s target; at 300, 1.6 s on the
#: same loaded machine (bench/RESULTS.md, « Pages at the size bounds »).
MAX_BUDGET_LINES = 300

#: Characters of a variance explanation (Cerfa 15059): a paragraph, as the portal's field allows.
MAX_EXPLANATION_LENGTH = 2000


def _count(value: int) -> str:
    return format_decimal_fr(value, 0)


def too_many_lines_error(count: int, *, in_file: bool = False) -> ValidationError:
    """Return the refusal of a budget that would count ``count`` lines, over ``MAX_BUDGET_LINES``."""
    if in_file:
        message = _("Un budget compte au plus %(max)s lignes : ce fichier en contient %(count)s.")
    else:
        message = _("Un budget compte au plus %(max)s lignes : celui-ci en compterait %(count)s. "
                    "Regroupez des lignes du même compte.")
    return ValidationError(message % {"max": _count(MAX_BUDGET_LINES), "count": _count(count)}, code="too_many_lines")


def too_many_file_rows_error(rows: int) -> ValidationError:
    """Return the refusal of a file whose sheet goes on past ``rows`` rows (not read to the end)."""
    return ValidationError(
        _("Un budget compte au plus %(max)s lignes : ce fichier a plus de %(rows)s lignes.") % {
            "max": _count(MAX_BUDGET_LINES), "rows": _count(rows)},
        code="too_many_lines",
    )


def check_line_count(count: int) -> None:
    """Refuse a budget of more than ``MAX_BUDGET_LINES`` lines."""
    if count > MAX_BUDGET_LINES:
        raise too_many_lines_error(count)
