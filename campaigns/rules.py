"""The rules of a campaign and of the instruction of its applications, each in one place.

- ``envelope_remaining``: what the campaign's envelope still allows (envelope − proposed − granted);
  ``with_envelope_sums`` annotates a list of campaigns with the same sums (the admin's list);
- ``paid_by_campaign``: what was paid (payment requests « mandatées ») on the agreements drawn from
  each campaign's applications; a subsidy notified by letter has no payment record in the software;
- ``voted_amounts``: what the funder's votes gave an association in a year (never a draft agreement):
  the deliberation annex's « N-1 » and the instruction's growth check compare with it;
- ``beneficiary_year_total``: everything one funder gives one association in one year — its
  agreements at their amount in force (``documents.obligations.association_years``, the query the
  compliance checks use) plus the applications proposed or granted that are not an agreement yet;
- ``instruction_checks``: what the instructing agent sees beside an application. The legal
  thresholds are not restated here: they are those of ``compliance.checks`` (23 000 €, 75 000 € or
  50 %) and ``documents.obligations`` (153 000 €).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.rules import budget_totals
from campaigns.models import (
    COMMITTED_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Campaign,
)
from compliance.checks import (
    CERTIFIED_ACCOUNTS_SHARE,
    CERTIFIED_ACCOUNTS_THRESHOLD,
    WRITTEN_AGREEMENT_THRESHOLD,
    certified_accounts_required,
    written_agreement_required,
)
from conventions.models import VOTED_STATES, Convention, Tranche
from core.deadlines import add_months
from core.money import ZERO, format_euros, format_percent, format_total, ratio, round_cents
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import (
    AUDITOR_THRESHOLD,
    VOID_STATES,
    association_years,
    auditor_required,
)
from documents.vault import VALIDITY_MONTHS, given_on, papers_in_force
from finance.models import PaymentRequest, PaymentStatus

#: Growth over the previous year beyond which the instruction flags the request (20 %).
STRONG_GROWTH = Decimal("0.20")


def committed_amount_expression():
    """Return the amount an application commits on its envelope: proposed while proposed, granted once granted."""
    return Case(
        When(status=ApplicationStatus.PROPOSED, then=F("proposed_amount")),
        When(status=ApplicationStatus.GRANTED, then=F("granted_amount")),
        default=None, output_field=DecimalField(max_digits=12, decimal_places=2),
    )


@dataclass(frozen=True)
class EnvelopeState:
    envelope: Decimal
    proposed: Decimal
    granted: Decimal

    @property
    def remaining(self) -> Decimal:
        return round_cents(self.envelope - self.proposed - self.granted)


#: What is committed on an envelope: the proposed amount of a proposed application, the granted one once granted.
_PROPOSED_ON_ENVELOPE = Q(status=ApplicationStatus.PROPOSED)
_GRANTED_ON_ENVELOPE = Q(status=ApplicationStatus.GRANTED)


def envelope_state(campaign: Campaign, *, excluding: Application | None = None) -> EnvelopeState:
    """Return the campaign's envelope with what is proposed and granted on it (one query).

    ``excluding`` leaves one application out (its own proposal being replaced).
    """
    applications = Application.objects.filter(campaign=campaign)
    if excluding is not None and excluding.pk:
        applications = applications.exclude(pk=excluding.pk)
    sums = applications.aggregate(
        proposed=Sum("proposed_amount", filter=_PROPOSED_ON_ENVELOPE, default=ZERO),
        granted=Sum("granted_amount", filter=_GRANTED_ON_ENVELOPE, default=ZERO),
    )
    return EnvelopeState(envelope=campaign.envelope, proposed=sums["proposed"], granted=sums["granted"])


def with_envelope_sums(campaigns):
    """Annotate a queryset of campaigns with ``envelope_proposed`` and ``envelope_granted``, in the same query.

    The sums of ``envelope_state`` for many campaigns at once: ``annotated_envelope_state`` reads them.
    """
    def total(field, condition):
        return Coalesce(Subquery(
            Application.objects.filter(condition, campaign=OuterRef("pk")).order_by().values("campaign")
            .annotate(total=Sum(field)).values("total")[:1]), ZERO, output_field=DecimalField(max_digits=12,
                                                                                              decimal_places=2))

    return campaigns.annotate(envelope_proposed=total("proposed_amount", _PROPOSED_ON_ENVELOPE),
                              envelope_granted=total("granted_amount", _GRANTED_ON_ENVELOPE))


def annotated_envelope_state(campaign: Campaign) -> EnvelopeState:
    """Return ``envelope_state`` of a campaign loaded through ``with_envelope_sums`` (no query)."""
    return EnvelopeState(envelope=campaign.envelope, proposed=campaign.envelope_proposed,
                         granted=campaign.envelope_granted)


def paid_by_campaign(campaigns) -> dict[int, Decimal]:
    """Return, per campaign id, what was paid on the agreements drawn from its applications (one query).

    Paid is what the finance service recorded as paid (``PaymentStatus.PAID``, « mandatée »), every
    year of the agreement included. A subsidy notified by letter (no agreement) has no payment
    record in the software: it is not counted, and the dashboard says so.
    """
    rows = (PaymentRequest.objects.filter(status=PaymentStatus.PAID, convention__application__campaign__in=campaigns)
            .order_by().values("convention__application__campaign").annotate(total=Sum("amount")))
    paid = {row["convention__application__campaign"]: row["total"] for row in rows}
    return {campaign.pk: paid.get(campaign.pk, ZERO) for campaign in campaigns}


def envelope_remaining(campaign: Campaign, *, excluding: Application | None = None) -> Decimal:
    """Return what remains of the campaign's envelope: envelope − amounts proposed − amounts granted."""
    return envelope_state(campaign, excluding=excluding).remaining


@dataclass(frozen=True)
class YearTotal:
    """What one funder gives one association in one year."""

    agreements: Decimal = ZERO  # agreements in force, at their amount in force (known amounts)
    applications: Decimal = ZERO  # applications proposed or granted, not an agreement yet
    unknown_amounts: int = 0  # agreements whose amount is not given yet: left out, never counted 0

    @property
    def total(self) -> Decimal:
        return self.agreements + self.applications

    def shown(self) -> str:
        return format_total(self.total, self.unknown_amounts)


def pending_applications_total(*, beneficiary, funder, year: int, excluding: Application | None = None) -> Decimal:
    """Return the amounts of the applications proposed or granted for the year that are not an agreement yet."""
    applications = Application.objects.filter(
        beneficiary=beneficiary, campaign__programme__funder=funder, campaign__year=year,
        status__in=COMMITTED_STATUSES, convention__isnull=True,
    )
    if excluding is not None and excluding.pk:
        applications = applications.exclude(pk=excluding.pk)
    return applications.aggregate(total=Sum(committed_amount_expression(), default=ZERO))["total"]


def voted_amounts(*, funder, pairs) -> dict[tuple[int, int], Decimal]:
    """Return what ``funder``'s votes gave each (beneficiary id, year) pair, in three queries.

    Only what was voted counts, at its amount in force (signed amendments included):
    - a one-year agreement once voted (``VOTED_STATES``), or drawn in draft from an application a
      deliberation granted (its amount is the one voted);
    - a multi-year agreement's year once that year's vote is recorded (``Tranche.voted_at``);
    - a subsidy granted by a deliberation without an agreement (a notification letter).
    An agreement still in draft, submitted or in instruction, or an application only proposed, is
    not a gift yet; refused and cancelled agreements are not voted.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    beneficiaries, years = {b for b, _y in pairs}, {y for _b, y in pairs}
    totals: dict[tuple[int, int], Decimal] = {}

    def add(key, amount):
        if key in pairs and amount is not None:
            totals[key] = totals.get(key, ZERO) + amount

    voted = Q(status__in=VOTED_STATES) | Q(application__status=ApplicationStatus.GRANTED)
    for beneficiary_id, year, amount in (
            Convention.objects.filter(voted, funder=funder, beneficiary_id__in=beneficiaries, fiscal_year__in=years,
                                      is_multiannual=False)
            .exclude(status__in=VOID_STATES).with_amount_in_force().order_by().values_list("beneficiary_id", "fiscal_year", "amount_in_force")):
        add((beneficiary_id, year), amount)
    for beneficiary_id, year, amount in (
            Tranche.objects.filter(convention__funder=funder, convention__beneficiary_id__in=beneficiaries,
                                   convention__is_multiannual=True, year__in=years, voted_at__isnull=False)
            .exclude(convention__status__in=VOID_STATES).with_amount_in_force().order_by()
            .values_list("convention__beneficiary_id", "year", "amount_in_force")):
        add((beneficiary_id, year), amount)
    for beneficiary_id, year, amount in (
            Application.objects.filter(campaign__programme__funder=funder, beneficiary_id__in=beneficiaries,
                                       campaign__year__in=years, status=ApplicationStatus.GRANTED,
                                       convention__isnull=True)
            .order_by().values_list("beneficiary_id", "campaign__year", "granted_amount")):
        add((beneficiary_id, year), amount)
    return {key: totals.get(key, ZERO) for key in pairs}


def beneficiary_year_total(*, beneficiary, funder, year: int, excluding: Application | None = None) -> YearTotal:
    """Return everything ``funder`` gives ``beneficiary`` in ``year``: agreements in force and pending applications.

    Agreements count at their amount in force, refused or cancelled ones left out (the rule of
    ``documents.obligations.association_years``); an application counts once proposed (its
    proposed amount) or granted (its granted amount) until it becomes an agreement, which then
    counts instead.
    """
    association_year = association_years([(beneficiary.pk, year)])[(beneficiary.pk, year)]
    return YearTotal(
        agreements=association_year.funder_total(funder.pk),
        applications=pending_applications_total(beneficiary=beneficiary, funder=funder, year=year, excluding=excluding),
        unknown_amounts=association_year.funder_unknown(funder.pk),
    )


# --- Instruction checks ------------------------------------------------------------------------


class Level:
    OK = "ok"
    WARNING = "warning"
    INFO = "info"


LEVEL_LABELS = {Level.OK: gettext_lazy("conforme"), Level.WARNING: gettext_lazy("à examiner"),
                Level.INFO: gettext_lazy("pour information")}


@dataclass(frozen=True)
class InstructionCheck:
    code: str
    label: str
    level: str
    detail: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    @property
    def is_warning(self) -> bool:
        return self.level == Level.WARNING


def application_amount(application: Application) -> Decimal | None:
    """Return the amount the instruction judges: the proposed amount once given, else the requested one."""
    if application.proposed_amount is not None:
        return application.proposed_amount
    return application.requested_amount


def instruction_checks(application: Application) -> list[InstructionCheck]:
    """Return the checks shown beside an application under instruction (a fixed number of queries).

    The year's cumulated amount counts this application at ``application_amount`` with every other
    subsidy of the same funder for the same association and year (``beneficiary_year_total``).
    """
    campaign = application.campaign
    funder, year, beneficiary = campaign.programme.funder, campaign.year, application.beneficiary
    amount = application_amount(application)
    totals = budget_totals(application.budget) if application.budget_id else None
    action_charges = totals.charges if totals is not None else None
    this_year = association_years([(beneficiary.pk, year)])[(beneficiary.pk, year)]
    last_year = voted_amounts(funder=funder, pairs={(beneficiary.pk, year - 1)})[(beneficiary.pk, year - 1)]
    others = YearTotal(
        agreements=this_year.funder_total(funder.pk),
        applications=pending_applications_total(beneficiary=beneficiary, funder=funder, year=year,
                                                excluding=application),
        unknown_amounts=this_year.funder_unknown(funder.pk),
    )
    cumulated = others.total + (amount or ZERO)
    return [
        _budget_check(application, action_charges),
        _growth_check(cumulated, last_year, year),
        _written_agreement_check(amount, others, cumulated),
        _certified_accounts_check(cumulated, amount, this_year.budget_charges, action_charges, others.unknown_amounts),
        _auditor_check(this_year.public_subsidies - this_year.funder_total(funder.pk) + cumulated,
                       this_year.unknown_amounts),
    ]


def _budget_check(application, action_charges) -> InstructionCheck:
    label = _("Montant demandé et budget de l'action")
    requested = application.requested_amount
    if requested is None:
        return InstructionCheck("budget", label, Level.WARNING, _("Aucun montant demandé."))
    if not action_charges:
        return InstructionCheck("budget", label, Level.WARNING,
                                _("Budget de l'action non renseigné : la demande ne peut pas lui être comparée."))
    values = {"requested": format_euros(requested), "charges": format_euros(action_charges),
              "share": format_percent(ratio(requested, action_charges))}
    if requested > action_charges:
        return InstructionCheck("budget", label, Level.WARNING, _(
            "Montant demandé (%(requested)s) supérieur au total des charges du budget de l'action "
            "(%(charges)s).") % values)
    return InstructionCheck("budget", label, Level.OK, _(
        "%(requested)s demandés pour %(charges)s de charges (%(share)s).") % values)


def _growth_check(cumulated: Decimal, previous: Decimal, year: int) -> InstructionCheck:
    label = _("Évolution par rapport à l'année précédente")
    values = {"year": year - 1, "previous": format_euros(previous), "now": format_euros(cumulated)}
    if not previous:
        return InstructionCheck("growth", label, Level.INFO, _(
            "Aucune subvention votée par cette collectivité en %(year)s : pas de comparaison possible.") % values)
    growth = ratio(cumulated - previous, previous)
    values["growth"] = format_percent(growth)
    if growth > STRONG_GROWTH:
        return InstructionCheck("growth", label, Level.WARNING, _(
            "Forte hausse : %(now)s cette année contre %(previous)s en %(year)s (+%(growth)s, plus de 20 %%).")
            % values)
    return InstructionCheck("growth", label, Level.OK, _(
        "%(now)s cette année contre %(previous)s en %(year)s.") % values)


def _written_agreement_check(amount, others: YearTotal, cumulated: Decimal) -> InstructionCheck:
    label = _("Convention obligatoire (plus de %(threshold)s dans l'année)") % {
        "threshold": format_euros(WRITTEN_AGREEMENT_THRESHOLD)}
    values = {"cumulated": format_total(cumulated, others.unknown_amounts), "amount": format_euros(amount),
              "others": format_total(others.total, others.unknown_amounts)}
    if written_agreement_required(cumulated):
        return InstructionCheck("written_agreement", label, Level.WARNING, _(
            "Convention obligatoire : %(cumulated)s cumulés sur l'année (cette demande %(amount)s, "
            "autres subventions %(others)s).") % values)
    if others.unknown_amounts:
        return InstructionCheck("written_agreement", label, Level.WARNING, _(
            "%(cumulated)s cumulés sur l'année, sans les montants non renseignés : le seuil sera apprécié une "
            "fois ceux-ci connus.") % values)
    return InstructionCheck("written_agreement", label, Level.OK, _(
        "%(cumulated)s cumulés sur l'année : pas plus de 23 000 €, une lettre de notification suffit.") % values)


def _certified_accounts_check(cumulated: Decimal, amount: Decimal | None, global_charges: Decimal | None,
                              action_charges: Decimal | None, unknown: int) -> InstructionCheck:
    """75 000 € cumulated in the year, or more than half the association's budget.

    The share is that of the year's subsidies in the association's global budget when one is known
    (from its agreements of the year), else that of this application in its action's budget.
    """
    label = _("Comptes certifiés (plus de %(threshold)s ou plus de %(share)s du budget)") % {
        "threshold": format_euros(CERTIFIED_ACCOUNTS_THRESHOLD), "share": format_percent(CERTIFIED_ACCOUNTS_SHARE, 0)}
    if global_charges:
        share, of = ratio(cumulated, global_charges), _("du budget de l'association")
    else:
        share = ratio(amount, action_charges) if amount is not None and action_charges else None
        of = _("du budget de l'action pour cette demande")
    values = {"cumulated": format_total(cumulated, unknown), "share": format_percent(share), "of": of}
    if certified_accounts_required(cumulated, share):
        return InstructionCheck("certified_accounts", label, Level.WARNING, _(
            "Comptes certifiés exigés : %(cumulated)s dans l'année ; %(share)s %(of)s.") % values)
    return InstructionCheck("certified_accounts", label, Level.OK, _(
        "%(cumulated)s dans l'année ; %(share)s %(of)s.") % values)


def _auditor_check(public_subsidies: Decimal, unknown: int) -> InstructionCheck:
    label = _("Commissaire aux comptes (subventions publiques d'au moins %(threshold)s)") % {
        "threshold": format_euros(AUDITOR_THRESHOLD)}
    values = {"total": format_total(public_subsidies, unknown)}
    if auditor_required(public_subsidies):
        return InstructionCheck("statutory_auditor", label, Level.WARNING, _(
            "Commissaire aux comptes obligatoire : %(total)s de subventions publiques dans l'année.") % values)
    return InstructionCheck("statutory_auditor", label, Level.OK, _(
        "%(total)s de subventions publiques dans l'année.") % values)


# --- Documents to attach -----------------------------------------------------------------------

#: The documents an application asks (Cerfa 12156, « pièces à joindre »), and how long one already
#: given stays valid, in months (None: until replaced — the statutes, the bank details).
#: The permanent papers keep the vault's validity (``documents.vault.VALIDITY_MONTHS``).
APPLICATION_DOCUMENTS = {
    DocumentKind.STATUTES: VALIDITY_MONTHS[DocumentKind.STATUTES],
    DocumentKind.BANK_DETAILS: VALIDITY_MONTHS[DocumentKind.BANK_DETAILS],
    DocumentKind.BOARD_LIST: VALIDITY_MONTHS[DocumentKind.BOARD_LIST],
    DocumentKind.ANNUAL_ACCOUNTS: 18,
    DocumentKind.ACTIVITY_REPORT: 18,
}


@dataclass(frozen=True)
class OnFile:
    """A document the association already gave, still valid: it is not asked again."""

    kind: str
    given_on: date
    valid_until: date | None  # None: until replaced
    where: str  # « convention AMP-2025-… » or « candidature « … » »


def _still_valid(kind: str, given_on: date, today: date) -> tuple[bool, date | None]:
    months = APPLICATION_DOCUMENTS[kind]
    if months is None:
        return True, None
    until = add_months(given_on, months)
    return today <= until, until


def documents_on_file(beneficiary, *, today: date, excluding: Application | None = None) -> dict[str, OnFile]:
    """Return, per kind asked, the latest still-valid document the association already gave (three queries).

    A document counts once received or accepted (not refused) on one of its agreements, or
    attached to another of its applications; a paper of the association's vault valid ``today``
    (``documents.vault``) is the one on file for its kind.
    """
    found: dict[str, OnFile] = {}

    def offer(kind, moment, where):
        given_on = moment.date() if hasattr(moment, "date") else moment
        valid, until = _still_valid(kind, given_on, today)
        if valid and (kind not in found or found[kind].given_on < given_on):
            found[kind] = OnFile(kind=kind, given_on=given_on, valid_until=until, where=where)

    documents = (Document.objects.filter(convention__beneficiary=beneficiary, kind__in=list(APPLICATION_DOCUMENTS),
                                         status__in=[DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED],
                                         uploaded_at__isnull=False)
                 .exclude(file="").values_list("kind", "uploaded_at", "convention__reference"))
    for kind, uploaded_at, reference in documents:
        offer(kind, uploaded_at, _("convention %(reference)s") % {"reference": reference})
    attached = ApplicationDocument.objects.filter(application__beneficiary=beneficiary,
                                                  kind__in=list(APPLICATION_DOCUMENTS))
    if excluding is not None and excluding.pk:
        attached = attached.exclude(application=excluding)
    for kind, uploaded_at, title in attached.values_list("kind", "uploaded_at", "application__action_title"):
        offer(kind, uploaded_at, _("candidature « %(title)s »") % {"title": title})
    for (_beneficiary, kind), paper in papers_in_force([beneficiary.pk], on=today).items():
        if kind in APPLICATION_DOCUMENTS:
            found[kind] = OnFile(kind=kind, given_on=given_on(paper), valid_until=paper.valid_until,
                                 where=_("coffre-fort de l'association"))
    return found


@dataclass(frozen=True)
class DocumentSlot:
    kind: str
    attached: ApplicationDocument | None
    on_file: OnFile | None

    @property
    def label(self) -> str:
        return DocumentKind(self.kind).label

    @property
    def is_met(self) -> bool:
        return self.attached is not None or self.on_file is not None


def application_document_slots(application: Application, *, today: date) -> list[DocumentSlot]:
    """Return each document the application asks: attached to it, already on file (not asked again), or missing."""
    attached = {doc.kind: doc for doc in application.documents.all()}
    on_file = documents_on_file(application.beneficiary, today=today, excluding=application)
    return [DocumentSlot(kind=kind, attached=attached.get(kind), on_file=None if kind in attached else on_file.get(kind))
            for kind in APPLICATION_DOCUMENTS]
