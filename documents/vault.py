"""The association's vault of permanent papers (« documents permanents de l'association »).

One rule: which version of a permanent paper is in force on a day, and whether it is valid then
(``paper_in_force``). The portal, the admin, the schedule of expected documents, the requirements
table, the compliance checks and the applications all read it; none decides on its own.

Validity (DOMAIN.md §7, §12): the statutes, the bank details and the republican commitment
contract are valid until replaced; the list of the board members for a year (the board changes
at the general assembly), unless the association gives another end. The republican commitment
contract exists since 2 January 2022 (décret 2021-1947): a paper dated before is refused, and it
satisfies only the agreements that owe it (``documents.obligations.documents_owed``).
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from core.deadlines import add_months
from documents.models import VAULT_KINDS, DocumentKind, DocumentStatus, VaultPaper
from documents.obligations import (
    BEFORE_SIGNATURE_STATES,
    DELIVERED,
    ON_SIGNATURE,
    documents_owed,
)

#: How long a permanent paper stays valid, in months from its ``valid_from`` (None: until replaced).
VALIDITY_MONTHS = {
    DocumentKind.STATUTES: None,
    DocumentKind.BANK_DETAILS: None,
    DocumentKind.BOARD_LIST: 12,
    DocumentKind.REPUBLICAN_COMMITMENT: None,
}
assert set(VALIDITY_MONTHS) == set(VAULT_KINDS)


def default_valid_until(kind: str, valid_from: date) -> date | None:
    """Return the last day ``kind`` given on ``valid_from`` is valid by default (None: until replaced)."""
    months = VALIDITY_MONTHS[kind]
    return None if months is None else add_months(valid_from, months)


def is_valid_on(paper: VaultPaper, on: date) -> bool:
    """Return True when ``paper`` itself covers day ``on`` (not refused, within its dates)."""
    return (paper.status != DocumentStatus.REJECTED and paper.valid_from <= on
            and (paper.valid_until is None or on <= paper.valid_until))


def given_on(paper: VaultPaper) -> date:
    """Return the day ``paper`` was given (« fourni le … »)."""
    return timezone.localtime(paper.uploaded_at).date()


def papers_in_force(beneficiary_ids: Iterable[int], *, on: date) -> dict[tuple[int, str], VaultPaper]:
    """Return the valid paper of each (association id, kind) on day ``on``, in one query.

    The version in force is the latest one not refused whose ``valid_from`` is reached (a new version
    replaces the previous from that day); it counts only if still valid on ``on``: once it expires,
    no older version comes back, the paper is asked again.
    """
    found: dict[tuple[int, str], VaultPaper] = {}
    papers = (VaultPaper.objects.filter(beneficiary_id__in=set(beneficiary_ids), valid_from__lte=on)
              .exclude(status=DocumentStatus.REJECTED).order_by("-valid_from", "-uploaded_at", "-pk"))
    for paper in papers:
        found.setdefault((paper.beneficiary_id, paper.kind), paper)
    return {key: paper for key, paper in found.items() if is_valid_on(paper, on)}


def paper_in_force(beneficiary_id: int, kind: str, *, on: date) -> VaultPaper | None:
    """Return the valid paper ``kind`` of association ``beneficiary_id`` on day ``on``, or None."""
    return papers_in_force([beneficiary_id], on=on).get((beneficiary_id, kind))


def permanent_kinds_owed(convention) -> tuple:
    """Return the permanent papers ``convention`` owes in its state (those the vault may give)."""
    if convention.status not in BEFORE_SIGNATURE_STATES:
        return ()
    return tuple(kind for kind in documents_owed(convention, ON_SIGNATURE) if kind in VAULT_KINDS)


def vault_cover(convention, *, on: date, in_force: dict | None = None) -> dict[str, VaultPaper]:
    """Return, per permanent paper ``convention`` owes, the vault paper that satisfies it on day ``on``.

    A kind returned is not asked of the association for this agreement (``documents_expect``), and
    its state is the vault paper's (``effective_status``). ``in_force`` (``papers_in_force`` of
    several associations on the same day) spares a query per agreement in a list; a list whose
    agreements go through rules that call this without it (``dossier.requirements``) sets it on each
    agreement as ``convention.vault_in_force``, like a prefetch.
    """
    kinds = permanent_kinds_owed(convention)
    if not kinds:
        return {}
    if in_force is None:
        in_force = getattr(convention, "vault_in_force", None)
    if in_force is None:
        in_force = papers_in_force([convention.beneficiary_id], on=on)
    return {kind: in_force[(convention.beneficiary_id, kind)] for kind in kinds
            if (convention.beneficiary_id, kind) in in_force}


def effective_status(document, cover: dict[str, VaultPaper]) -> str:
    """Return the state of ``document`` once the vault is read: a paper not delivered on the agreement
    itself takes the state of the valid vault paper (received or accepted)."""
    if document.status not in DELIVERED and document.kind in cover:
        return cover[document.kind].status
    return document.status


def exclude_vault_covered(documents, *, on: date):
    """Leave out of ``documents`` (a ``Document`` queryset) those a valid vault paper gives on day ``on``.

    The same rule as ``papers_in_force``, in SQL, for the lists of documents still owed (the portal's
    « À faire », the reminders): the latest version not refused whose ``valid_from`` is reached, if
    still valid on ``on``. A document of a permanent kind exists only where the agreement owes it.
    """
    latest = (VaultPaper.objects.filter(beneficiary=OuterRef("convention__beneficiary"), kind=OuterRef("kind"),
                                        valid_from__lte=on)
              .exclude(status=DocumentStatus.REJECTED).order_by("-valid_from", "-uploaded_at", "-pk"))
    return (documents.annotate(_vault_in_force=Exists(latest), _vault_until=Subquery(latest.values("valid_until")[:1]))
            .exclude(Q(_vault_in_force=True) & (Q(_vault_until__isnull=True) | Q(_vault_until__gte=on))))
