"""Reminders of what associations owe, before each due date and once overdue (DOMAIN.md §7).

``reminders_send`` is what ``manage.py send_reminders`` runs, daily from cron. It is idempotent:
every reminder sent is logged in ``ReminderLog``, whose unique constraint (item, stage, due
date) makes a second run, or two runs at once, send nothing twice. An association with no email
address is reported to the funder's service instead of being dropped.
"""

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries.models import Membership
from beneficiaries.notify import absolute_url
from compliance.checks import for_compliance
from compliance.models import ReminderChannel, ReminderLog, ReminderStage
from conventions.models import Convention, Status
from conventions.notifications import association_recipients, render_text
from core.dates import french_date
from core.deadlines import justification_due_date
from documents.models import Document, DocumentStatus
from documents.obligations import association_years
from documents.services import documents_expect
from documents.vault import exclude_vault_covered
from indicators.models import IndicatorReport, ReportStatus

#: Days before the due date at which a reminder goes out, furthest first, with their stage.
BEFORE_STAGES = ((30, ReminderStage.BEFORE_30), (7, ReminderStage.BEFORE_7))
#: Agreements whose association still owes documents: signed and not yet closed.
REMINDED_STATES = (Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION)
OWED_DOCUMENTS = (DocumentStatus.EXPECTED, DocumentStatus.REJECTED)
OWED_REPORTS = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def reminder_stage(due_on: date, today: date) -> str | None:
    """Return the reminder due today for an item due on ``due_on``, or None if none is.

    Only the latest stage reached counts: a run that starts 5 days before the due date sends
    the 7-day reminder, not a late 30-day one.
    """
    if today > due_on:
        return ReminderStage.OVERDUE
    for days, stage in reversed(BEFORE_STAGES):
        if today >= due_on - timedelta(days=days):
            return stage
    return None


@dataclass(frozen=True)
class DueItem:
    convention: Convention
    subject: str
    label: str
    due_on: date
    stage: str

    @property
    def key(self) -> tuple[str, str, date]:
        return (self.subject, self.stage, self.due_on)

    def describe(self, today: date) -> str:
        """Return the French line of the email for this item."""
        day = french_date(self.due_on)
        if self.stage == ReminderStage.OVERDUE:
            return _("%(label)s — échéance dépassée depuis le %(day)s (%(n)s jours de retard)") % {
                "label": self.label, "day": day, "n": (today - self.due_on).days}
        return _("%(label)s — à fournir au plus tard le %(day)s (dans %(n)s jours)") % {
            "label": self.label, "day": day, "n": (self.due_on - today).days}


def report_due_date(report, convention) -> date | None:
    """Return when an indicator report is due: its own date, else with the year's justification."""
    if report.due_on:
        return report.due_on
    if report.year == convention.fiscal_year and not report.period_label:
        return justification_due_date(convention)
    return None


def reminded_conventions(*, today: date):
    """Return the agreements to remind, with what they owe and who to write to, prefetched.

    A document a valid paper of the association's vault gives on ``today`` is not owed (``documents.vault``).
    """
    return (
        Convention.objects.filter(status__in=REMINDED_STATES)
        .select_related("beneficiary", "funder")
        .prefetch_related(
            Prefetch("documents", queryset=exclude_vault_covered(
                Document.objects.filter(status__in=OWED_DOCUMENTS, due_on__isnull=False), on=today),
                     to_attr="owed_documents"),
            Prefetch("indicator_reports", queryset=IndicatorReport.objects.filter(status__in=OWED_REPORTS),
                     to_attr="owed_reports"),
            Prefetch("beneficiary__memberships",
                     queryset=Membership.objects.filter(is_active=True, user__is_active=True).select_related("user"),
                     to_attr="active_memberships"),
        )
        .order_by("reference")
    )


def due_items(conventions, *, today: date) -> list[DueItem]:
    """Return the documents and indicator reports owed that call for a reminder today."""
    items = []
    for convention in conventions:
        owed = [(f"document:{doc.pk}", doc.get_kind_display(), doc.due_on) for doc in convention.owed_documents]
        owed += [
            (f"indicator_report:{report.pk}", _("Rapport d'indicateurs %(year)s") % {"year": report.year},
             report_due_date(report, convention))
            for report in convention.owed_reports
        ]
        for subject, label, due_on in owed:
            stage = reminder_stage(due_on, today) if due_on else None
            if stage:
                items.append(DueItem(convention, subject, str(label), due_on, stage))
    return sorted(items, key=lambda i: (i.convention.reference, i.due_on, i.label))


@dataclass
class ReminderRun:
    """What a run did, for the command's output."""

    scheduled: int = 0
    sent: list[str] = field(default_factory=list)
    reported_to_staff: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportLine:
    """One line of a run's report; ``level`` is "info", "warning" (worth a look) or "error" (to act on)."""

    text: str
    level: str = "info"


def reminders_report(run: ReminderRun, *, today: date, dry_run: bool = False) -> list[ReportLine]:
    """Return the French report of ``run``: what ``send_reminders`` prints and the reminders job's file say.

    Every count is given, each followed by its lines; the counts of what went wrong are errors only
    when they are not zero (the command writes errors to stderr, which cron may mail).
    """
    prefix = "[simulation] " if dry_run else ""
    lines = [ReportLine(f"{prefix}Rappels du {today.isoformat()}"),
             ReportLine(f"Pièces attendues créées : {run.scheduled}")]
    for title, entries, level in (
            ("Courriels envoyés aux associations", run.sent, "info"),
            ("Associations sans courriel, signalées au service", run.reported_to_staff, "warning"),
            ("Rappels sans aucun destinataire", run.unreachable, "error"),
            ("Échecs de l'envoi, réessayés au prochain passage", run.errors, "error")):
        level = level if entries else "info"
        lines.append(ReportLine(f"{title} : {len(entries)}", level))
        lines.extend(ReportLine(f"  {entry}", level) for entry in entries)
    return lines


def schedule_expected_documents() -> int:
    """Create the documents each reminded agreement owes and does not have yet; return how many."""
    conventions = list(for_compliance(Convention.objects.filter(status__in=REMINDED_STATES)))
    years = association_years((c.beneficiary_id, c.fiscal_year) for c in conventions)
    created = 0
    for convention in conventions:
        year = years[(convention.beneficiary_id, convention.fiscal_year)]
        created += len(documents_expect(convention=convention, association_year=year))
    return created


def reminders_send(*, today: date, dry_run: bool = False) -> ReminderRun:
    """Schedule expected documents, then send every reminder due today that was not sent yet.

    With ``dry_run``, everything is computed in a transaction that is rolled back, and nothing is
    sent: the run says what would happen.
    """
    if not dry_run:
        return _run(today=today, dry_run=False)
    with transaction.atomic():
        run = _run(today=today, dry_run=True)
        transaction.set_rollback(True)
    return run


def _run(*, today: date, dry_run: bool) -> ReminderRun:
    run = ReminderRun(scheduled=schedule_expected_documents())
    items = due_items(reminded_conventions(today=today), today=today)
    sent_keys = set(
        ReminderLog.objects.filter(subject__in={i.subject for i in items}).values_list("subject", "stage", "due_on")
    )
    by_convention = defaultdict(list)
    for item in items:
        if item.key not in sent_keys:
            by_convention[item.convention].append(item)
    for convention, group in by_convention.items():
        _send_group(convention, group, today=today, dry_run=dry_run, run=run)
    return run


def _send_group(convention, items: list[DueItem], *, today: date, dry_run: bool, run: ReminderRun) -> None:
    beneficiary, funder = convention.beneficiary, convention.funder
    context = {"convention": convention, "beneficiary": beneficiary, "funder": funder,
               "lines": [item.describe(today) for item in items],
               "documents_link": absolute_url(reverse("portal_conventions:documents", args=[convention.pk])),
               "beneficiary_link": absolute_url(reverse("admin:beneficiaries_beneficiary_change",
                                                        args=[beneficiary.pk]))}
    recipients = association_recipients(convention)
    summary = f"{convention.reference} — {beneficiary.name} : {len(items)} rappel(s)"
    if recipients:
        channel, log = ReminderChannel.ASSOCIATION, run.sent
        subject = _("Rappel : pièces à fournir pour la convention %(reference)s") % {"reference": convention.reference}
        body = render_text("conventions/reminderlog_association_email.txt", context)
    elif funder.email:
        channel, log, recipients = ReminderChannel.STAFF, run.reported_to_staff, [funder.email]
        subject = _("Association sans courriel : rappels non envoyés à %(name)s") % {"name": beneficiary.name}
        body = render_text("conventions/reminderlog_staff_email.txt", context)
    else:
        run.unreachable.append(summary + " — " + _("ni l'association ni la collectivité n'ont d'adresse électronique"))
        return
    line = f"{summary} → {', '.join(recipients)}"
    if dry_run:
        log.append(line)
        return
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
                           reply_to=[funder.email] if funder.email else None)
    try:
        with transaction.atomic():
            ReminderLog.objects.bulk_create([
                ReminderLog(convention=convention, subject=item.subject, label=item.label, stage=item.stage,
                            due_on=item.due_on, channel=channel, recipients=", ".join(recipients))
                for item in items
            ])
            message.send()
    except IntegrityError:
        return  # another run sent these reminders in the meantime
    except (smtplib.SMTPException, OSError) as exc:
        run.errors.append(f"{summary} : {exc}")
        return
    log.append(line)
