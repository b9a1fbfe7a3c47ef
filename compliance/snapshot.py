"""The computed state of the whole portfolio that the dashboard and the overdue items' page show.

Three computations over every agreement are too long for a page (seconds on 10,000 agreements):
the overdue items (``compliance.dashboard.overdue_items``), the funder's share of each budget
(``compliance.dashboard.dependencies``) and the open-data file's summary
(``compliance.opendata.scdl_export``). ``snapshot_compute`` calls them once and keeps what the pages
show as plain values in a ``ComplianceSnapshot``; the pages read the latest one (``latest_snapshot``),
in one query, and say when it was computed. It is computed by a background job (« Recalculer
maintenant », ``compliance.jobs``) and daily by ``manage.py compliance_snapshot``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from beneficiaries.naming import chart_name
from budgets.exports import csv_bytes
from budgets.resources import neutralise
from compliance.dashboard import dependencies, overdue_items
from compliance.models import ComplianceSnapshot
from compliance.opendata import scdl_export

#: How many snapshots are kept: the latest is shown, a few before it are kept to compare.
SNAPSHOTS_KEPT = 10
#: The steps of a computation, as its job's progress counts them.
STEPS = 3


@dataclass(frozen=True)
class SnapshotItem:
    """One overdue item (``compliance.dashboard.OverdueItem``), as plain values."""

    convention_pk: int
    reference: str
    association_pk: int
    association_name: str
    association_short_name: str
    category: str
    label: str
    due_on: date
    days_late: int
    detail: str = ""
    legal_basis: str = ""


@dataclass(frozen=True)
class SnapshotDependency:
    """The funder's share of one agreement's budget (``compliance.dashboard.Dependency``), as plain values."""

    convention_pk: int
    fiscal_year: int
    association_short_name: str
    chart_label: str
    granted: Decimal
    charges: Decimal
    share: Decimal | None
    share_with_in_kind: Decimal | None


@dataclass(frozen=True)
class SnapshotProblem:
    """A signed agreement left out of the open-data file (``compliance.opendata.ExportProblem``)."""

    convention_pk: int
    reference: str
    association_name: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """A ``ComplianceSnapshot`` read back: what the pages show, and when it was computed."""

    computed_at: object  # datetime
    today: date
    overdue: list[SnapshotItem]
    dependencies: list[SnapshotDependency]
    scdl_rows: int
    scdl_problems: list[SnapshotProblem]

    def is_from_an_earlier_day(self, today: date) -> bool:
        """Computed for a day before ``today``: items may have fallen due since, the days late have grown."""
        return self.today < today


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot_compute(*, today: date | None = None, user=None, progress=None) -> ComplianceSnapshot:
    """Compute the overdue items on ``today`` (by default, today), the dependency and the open-data
    summary, save them as the latest snapshot (by ``user``, None for the scheduled command) and delete
    all but the ``SNAPSHOTS_KEPT`` latest. ``progress(done, total)`` is called between the steps."""
    today = today or timezone.localdate()
    progress = progress or (lambda done, total: None)
    progress(0, STEPS)
    overdue = [{
        "convention_pk": item.convention.pk, "reference": item.convention.reference,
        "association_pk": item.convention.beneficiary_id, "association_name": item.convention.beneficiary.name,
        "association_short_name": item.convention.beneficiary.short_name, "category": str(item.category),
        "label": str(item.label), "due_on": item.due_on.isoformat(), "days_late": item.days_late,
        "detail": str(item.detail or ""), "legal_basis": str(item.legal_basis or ""),
    } for item in overdue_items(today=today)]
    progress(1, STEPS)
    shares = [{
        "convention_pk": dep.convention.pk, "fiscal_year": dep.convention.fiscal_year,
        "association_short_name": dep.convention.beneficiary.short_name,
        "chart_label": chart_name(dep.convention.beneficiary), "granted": _text(dep.granted),
        "charges": _text(dep.charges), "share": _text(dep.share), "share_with_in_kind": _text(dep.share_with_in_kind),
    } for dep in dependencies()]
    progress(2, STEPS)
    export = scdl_export()
    problems = [{
        "convention_pk": problem.convention.pk, "reference": problem.convention.reference,
        "association_name": problem.convention.beneficiary.name, "missing": [str(m) for m in problem.missing],
    } for problem in export.problems]
    data = {"overdue": overdue, "dependencies": shares,
            "scdl": {"rows": len(export.rows), "problems": problems}}
    with transaction.atomic():
        snapshot = ComplianceSnapshot.objects.create(today=today, computed_by=user, data=data)
        older = list(ComplianceSnapshot.objects.order_by("-computed_at", "-pk")
                     .values_list("pk", flat=True)[SNAPSHOTS_KEPT:])
        if older:
            ComplianceSnapshot.objects.filter(pk__in=older).delete()
    progress(STEPS, STEPS)
    return snapshot


def snapshot_read(snapshot: ComplianceSnapshot) -> Snapshot:
    """Return what ``snapshot`` holds, typed back (dates, amounts)."""
    data = snapshot.data
    return Snapshot(
        computed_at=snapshot.computed_at, today=snapshot.today,
        overdue=[SnapshotItem(**{**item, "due_on": date.fromisoformat(item["due_on"])}) for item in data["overdue"]],
        dependencies=[SnapshotDependency(**{**dep, **{key: _decimal(dep[key]) for key in (
            "granted", "charges", "share", "share_with_in_kind")}}) for dep in data["dependencies"]],
        scdl_rows=data["scdl"]["rows"],
        scdl_problems=[SnapshotProblem(**{**p, "missing": tuple(p["missing"])}) for p in data["scdl"]["problems"]],
    )


def latest_snapshot() -> Snapshot | None:
    """Return the latest snapshot, in one query, or None if none was computed yet."""
    snapshot = ComplianceSnapshot.objects.order_by("-computed_at", "-pk").first()
    return None if snapshot is None else snapshot_read(snapshot)


OVERDUE_CSV_HEADERS = ["Échéance", "Retard (jours)", "Association", "Convention", "Nature", "Objet",
                       "Base légale", "Précisions"]


def overdue_csv(snapshot: Snapshot) -> bytes:
    """Return the snapshot's overdue items as a CSV for French spreadsheets (``;``, UTF-8 with BOM),
    in the order of the overdue items' page."""
    rows = [[item.due_on.strftime("%d/%m/%Y"), item.days_late, neutralise(item.association_name),
             neutralise(item.reference), item.category, neutralise(item.label), neutralise(item.legal_basis),
             neutralise(item.detail)] for item in snapshot.overdue]
    return csv_bytes(OVERDUE_CSV_HEADERS, rows)


def overdue_csv_filename(day: date) -> str:
    return f"echeances-depassees-{day.isoformat()}.csv"
