"""How many documents one agreement may hold, with its reason (issue 5: bounded sizes).

The agreement's admin page, the portal's documents page and the reminders show every document
of the agreement: each grows with them.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from documents.models import DocumentKind
from documents.obligations import AFTER_FISCAL_YEAR, ON_SIGNATURE

#: Documents of one agreement. What the law and the seed ask (documents.obligations) is ten at
#: most: five on signature, four after the fiscal year, the auditor's report; the others are added
#: by hand (a board change, a logo proof, a document asked again). 100 is ten times the owed set,
#: and keeps the documents page and the agreement's admin page within their 2 s target
#: (bench/bounds.py).
MAX_DOCUMENTS_PER_AGREEMENT = 100

#: Every kind ``documents_expect`` may schedule, once each: room is kept for those not on file yet,
#: so that scheduling what the law asks never has to be refused.
OWED_KINDS = frozenset({*ON_SIGNATURE, *AFTER_FISCAL_YEAR, DocumentKind.AUDITOR_REPORT})


def check_documents(kinds: Iterable[str]) -> None:
    """Refuse an agreement whose documents would be of ``kinds`` (one item per document) past the bound.

    The owed documents not on file yet are counted too: they will be scheduled.
    """
    kinds = list(kinds)
    if len(kinds) + len(OWED_KINDS - set(kinds)) > MAX_DOCUMENTS_PER_AGREEMENT:
        raise ValidationError(
            _("Une convention compte au plus %(max)s justificatifs, pièces dues comprises (%(owed)s) : celle-ci en "
              "compterait %(count)s.")
            % {"max": MAX_DOCUMENTS_PER_AGREEMENT, "owed": len(OWED_KINDS),
               "count": len(kinds) + len(OWED_KINDS - set(kinds))},
            code="too_many_documents",
        )
