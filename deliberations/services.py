"""Writes on deliberations: preparing one, its vote, its transmission to the préfecture and the receipt.

Each service is keyword-only and atomic: it locks the deliberation, checks its guards, raises a
``ValidationError`` in French when refused (nothing saved), and leaves an audit record (the
history of the deliberation, of its lines and of what the vote produced, naming the user).

The vote (``deliberation_vote``) is recorded once for every line. It records each application's
outcome (``campaigns.services.application_record_vote``), then draws for each granted one an
agreement in draft, prefilled from the application, when its beneficiary's cumulated amount of the
year is above 23 000 € (``deliberations.rules.agreement_required``), else a notification letter;
each refusal — at the vote, or of the campaign's applications refused in instruction — gets a
motivated letter.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.duties import review_conflict
from campaigns.models import Application, ApplicationStatus, Campaign
from campaigns.services import application_attach_convention, application_record_vote
from conventions.models import Convention, Kind
from conventions.services import convention_upsert
from core.dates import french_date
from core.money import ZERO, format_euros
from deliberations.models import (
    Deliberation,
    DeliberationLine,
    DeliberationStatus,
    Letter,
    LetterKind,
    LineOutcome,
)
from deliberations.rules import agreement_reference, agreement_required, vote_refusals, year_totals

MANAGE_PERMISSION = "deliberations.change_deliberation"
VOTE_PERMISSION = "deliberations.vote_deliberation"


def _require_staff(user, permission: str) -> None:
    if user is None or not user.is_active or not user.is_staff or not user.has_perm(permission):
        raise ValidationError(_("Seul un agent habilité peut enregistrer cette décision."), code="forbidden")


def _locked(deliberation: Deliberation) -> Deliberation:
    return Deliberation.objects.select_for_update().select_related("funder").get(pk=deliberation.pk)


def _require_draft(deliberation: Deliberation, action: str) -> None:
    if not deliberation.is_draft:
        raise ValidationError(
            _("Cette délibération est %(status)s : ses subventions ne peuvent plus être %(action)s. "
              "Un montant voté ne change plus que par un avenant à la convention.")
            % {"status": deliberation.get_status_display(), "action": action}, code="voted")


def _save(obj, *, user, reason: str, **kwargs):
    obj._history_user = user
    obj._change_reason = reason  # cut to its column by core.audit.fit_change_reason
    obj.save(**kwargs)
    return obj


# --- Preparing a deliberation ----------------------------------------------------------------


@transaction.atomic
def deliberation_create(*, funder, body: str, session_date: date, subject: str, number: str = "",
                        user) -> Deliberation:
    """Create a deliberation in preparation; its number may still be a placeholder."""
    _require_staff(user, MANAGE_PERMISSION)
    deliberation = Deliberation(funder=funder, body=body, session_date=session_date, subject=(subject or "").strip(),
                                number=(number or "").strip())
    deliberation.full_clean()
    return _save(deliberation, user=user, reason=_("Délibération créée"))


@transaction.atomic
def deliberation_update(*, deliberation: Deliberation, user, **fields) -> Deliberation:
    """Change the body, session date, number or subject of a deliberation still in preparation."""
    _require_staff(user, MANAGE_PERMISSION)
    deliberation = _locked(deliberation)
    allowed = {"body", "session_date", "number", "subject"}
    if set(fields) - allowed:
        raise ValueError(f"not editable here: {sorted(set(fields) - allowed)}")
    changed = {name: value for name, value in fields.items() if getattr(deliberation, name) != value}
    if not changed:
        return deliberation
    if not deliberation.is_draft:
        raise ValidationError(_("Cette délibération est votée : son instance, sa date, son numéro et son objet ne "
                                "changent plus."), code="voted")
    for name, value in changed.items():
        setattr(deliberation, name, value.strip() if isinstance(value, str) else value)
    deliberation.full_clean()
    return _save(deliberation, user=user, reason=_("Délibération modifiée"))


def _addable_refusal(deliberation: Deliberation, application: Application) -> str | None:
    if application.status != ApplicationStatus.PROPOSED:
        return _("« %(application)s » est %(status)s : seule une candidature proposée est inscrite à une "
                 "délibération.") % {"application": application, "status": application.get_status_display()}
    line = DeliberationLine.objects.filter(application=application).select_related("deliberation").first()
    if line is not None:
        return _("« %(application)s » est déjà inscrite à la délibération « %(deliberation)s ».") % {
            "application": application, "deliberation": line.deliberation}
    if application.campaign.programme.funder_id != deliberation.funder_id:
        return _("« %(application)s » relève d'une autre collectivité que cette délibération.") % {
            "application": application}
    return None


@transaction.atomic
def deliberation_add_applications(*, deliberation: Deliberation, applications, user) -> list[DeliberationLine]:
    """Put proposed applications on the deliberation, each at its proposed amount; all or nothing."""
    _require_staff(user, MANAGE_PERMISSION)
    deliberation = _locked(deliberation)
    _require_draft(deliberation, _("ajoutées"))
    applications = list(Application.objects.select_for_update().filter(pk__in=[a.pk for a in applications])
                        .select_related("campaign__programme", "beneficiary"))
    refusals = [reason for a in applications if (reason := _addable_refusal(deliberation, a))]
    if refusals:
        raise ValidationError(refusals, code="not_addable")
    lines = []
    for application in applications:
        line = DeliberationLine(deliberation=deliberation, application=application,
                                proposed_amount=application.proposed_amount,
                                voted_amount=application.proposed_amount)
        try:
            with transaction.atomic():
                _save(line, user=user, reason=_("Inscrite à la délibération (proposée %(amount)s)")
                      % {"amount": format_euros(application.proposed_amount)})
        except IntegrityError:
            raise ValidationError(_("« %(application)s » est déjà inscrite à une délibération.")
                                  % {"application": application}, code="duplicate") from None
        lines.append(line)
    return lines


def proposed_not_inscribed(campaign: Campaign):
    """Return the campaign's proposed applications that are on no deliberation yet."""
    return (Application.objects.filter(campaign=campaign, status=ApplicationStatus.PROPOSED,
                                       deliberation_line__isnull=True)
            .select_related("beneficiary").order_by("beneficiary__name", "action_title"))


@transaction.atomic
def deliberation_add_proposed(*, deliberation: Deliberation, campaign: Campaign, user) -> list[DeliberationLine]:
    """Put every proposed application of ``campaign`` not yet on a deliberation on this one."""
    applications = list(proposed_not_inscribed(campaign))
    if not applications:
        raise ValidationError(_("La campagne « %(campaign)s » n'a aucune candidature proposée qui ne soit déjà "
                                "inscrite à une délibération.") % {"campaign": campaign}, code="empty")
    return deliberation_add_applications(deliberation=deliberation, applications=applications, user=user)


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ArithmeticError:
        raise ValidationError(_("« %(value)s » n'est pas un montant.") % {"value": value}, code="invalid") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_("Le montant soumis au vote doit être supérieur à zéro."), code="zero")
    if amount.as_tuple().exponent < -2:
        raise ValidationError(_("Un montant a au plus deux décimales (les centimes)."), code="cents")
    if amount >= Decimal("10000000000"):
        raise ValidationError(_("Ce montant est trop grand."), code="too_large")
    return amount


@transaction.atomic
def deliberation_line_update(*, line: DeliberationLine, voted_amount, user) -> DeliberationLine:
    """Change the amount submitted to the vote of a line, before the vote only (an amendment after)."""
    _require_staff(user, MANAGE_PERMISSION)
    line = DeliberationLine.objects.select_for_update().select_related("deliberation", "application__beneficiary").get(
        pk=line.pk)
    amount = _amount(voted_amount)
    if amount == line.voted_amount:
        return line
    _require_draft(line.deliberation, _("modifiées"))
    previous = line.voted_amount
    line.voted_amount = amount
    return _save(line, user=user, reason=_("Montant soumis au vote : %(old)s → %(new)s") % {
        "old": format_euros(previous), "new": format_euros(amount)})


@transaction.atomic
def deliberation_line_remove(*, line: DeliberationLine, user) -> None:
    """Take a line off a deliberation still in preparation (its application stays proposed)."""
    _require_staff(user, MANAGE_PERMISSION)
    line = DeliberationLine.objects.select_for_update().select_related("deliberation").get(pk=line.pk)
    _require_draft(line.deliberation, _("retirées"))
    line._history_user = user
    line._change_reason = _("Retirée de la délibération")
    line.delete()


# --- The vote ------------------------------------------------------------------------------------


@dataclass
class VotePlan:
    """What the vote will produce, line by line: the confirmation page lists it, the vote does it."""

    agreements: list[DeliberationLine] = field(default_factory=list)
    notifications: list[DeliberationLine] = field(default_factory=list)
    not_granted: list[DeliberationLine] = field(default_factory=list)
    refused_in_instruction: list[Application] = field(default_factory=list)


def _lines(deliberation: Deliberation) -> list[DeliberationLine]:
    return list(deliberation.lines.select_related("application__beneficiary", "application__campaign__programme",
                                                  "application__budget"))


def refused_in_instruction(deliberation: Deliberation, lines) -> list[Application]:
    """Return the applications refused in instruction in the campaigns of ``lines`` that have no letter yet."""
    campaigns = {line.application.campaign_id for line in lines}
    return list(Application.objects.filter(campaign__in=campaigns, status=ApplicationStatus.REFUSED,
                                           letter__isnull=True)
                .select_related("beneficiary", "campaign").order_by("beneficiary__name", "action_title"))


def vote_plan(deliberation: Deliberation, *, not_granted=(), lines=None) -> VotePlan:
    """Return what voting ``deliberation`` would create, with the lines ``not_granted`` (ids) refused.

    The cumulated amount of each beneficiary counts what it will have once the vote is recorded:
    its agreements of the year and the lines granted here at the amount voted, without the lines
    refused here.
    """
    lines = _lines(deliberation) if lines is None else lines
    not_granted = {int(pk) for pk in not_granted}
    funder = deliberation.funder
    pairs = {(line.application.beneficiary_id, line.application.campaign.year) for line in lines}
    totals = year_totals(funder=funder, pairs=pairs)
    refused_here = {}
    for line in lines:
        key = (line.application.beneficiary_id, line.application.campaign.year)
        if line.pk in not_granted:
            refused_here[key] = refused_here.get(key, ZERO) + (line.application.proposed_amount or ZERO)
        else:  # counted at its proposed amount until the vote: at the amount voted afterwards
            refused_here[key] = refused_here.get(key, ZERO) + (line.application.proposed_amount or ZERO) - (
                line.voted_amount or ZERO)
    plan = VotePlan(refused_in_instruction=refused_in_instruction(deliberation, lines))
    for line in lines:
        key = (line.application.beneficiary_id, line.application.campaign.year)
        if line.pk in not_granted:
            plan.not_granted.append(line)
            continue
        total = totals[key]
        after = type(total)(agreements=total.agreements, applications=total.applications - refused_here.get(key, ZERO),
                            unknown_amounts=total.unknown_amounts)
        (plan.agreements if agreement_required(after) else plan.notifications).append(line)
    return plan


def _draw_agreement(line: DeliberationLine, deliberation: Deliberation, *, by) -> Convention:
    """Create the agreement in draft of a granted line, prefilled from its application, and attach its budget."""
    application = line.application
    campaign, beneficiary, funder = application.campaign, application.beneficiary, deliberation.funder
    year = campaign.year
    reference = agreement_reference(funder=funder, year=year, programme_name=campaign.programme.name,
                                    beneficiary=beneficiary)
    convention = convention_upsert(
        reference=reference, kind=Kind.SPECIFIC, funder=funder, beneficiary=beneficiary, fiscal_year=year,
        period_start=application.action_start or date(year, 1, 1),
        period_end=application.action_end or date(year, 12, 31),
        title=(_("Subvention %(year)s : %(action)s") % {"year": year, "action": application.action_title})[:255],
        action_title=application.action_title, objectives=application.objectives,
        amount_granted=line.voted_amount, advance_cap_percent=funder.advance_cap_percent,
        deliberation_body=deliberation.body, deliberation_number=deliberation.number,
        deliberation_date=deliberation.voted_on,
        # convention_upsert sets every field given: these two name who created it and why in its history
        _history_user=by, _change_reason=(_("Convention préparée depuis la candidature, votée par la délibération "
                                            "n° %(number)s") % {"number": deliberation.number}),
    )
    application_attach_convention(application=application, convention=convention, by=by)
    return convention


def _issue_letter(*, kind: str, application: Application, deliberation: Deliberation, by, amount=None,
                  reason: str = "") -> Letter:
    letter = Letter(kind=kind, application=application, deliberation=deliberation, amount=amount, reason=reason,
                    issued_on=deliberation.voted_on)
    return _save(letter, user=by, reason=_("%(kind)s émise") % {"kind": letter.get_kind_display().capitalize()})


@transaction.atomic
def deliberation_vote(*, deliberation: Deliberation, by, voted_on: date | None = None,
                      not_granted: dict | None = None, today: date | None = None) -> VotePlan:
    """Record the vote of every line at once; draw the agreements and letters it produces.

    ``not_granted`` maps the id of each line the assembly did not grant to the reason its refusal
    letter gives. Refused when already voted, when the number is still a placeholder, when a
    granted line has no amount, a refusal no reason, or the vote date is in the future.
    """
    _require_staff(by, VOTE_PERMISSION)
    deliberation = _locked(deliberation)
    not_granted = {int(pk): (reason or "").strip() for pk, reason in (not_granted or {}).items()}
    lines = _lines(deliberation)
    ids = {line.pk for line in lines}
    if set(not_granted) - ids:
        raise ValueError(f"not lines of this deliberation: {sorted(set(not_granted) - ids)}")
    refusals = vote_refusals(deliberation, lines, ids - set(not_granted))
    if not deliberation.is_draft:
        raise ValidationError(refusals, code="voted")
    # Segregation of duties: nobody records the vote of a subsidy they applied for or of their association.
    refusals += sorted({conflict for line in lines if (conflict := review_conflict(
        by, beneficiary=line.application.beneficiary, submitted_by=line.application.submitted_by,
        what=_("la candidature « %(title)s »") % {"title": line.application.action_title}))})
    missing_reason = [str(line) for line in lines if line.pk in not_granted and not not_granted[line.pk]]
    if missing_reason:
        refusals.append(_("Indiquez le motif du refus de : %(lines)s (il figure dans la lettre de refus).")
                        % {"lines": ", ".join(missing_reason)})
    voted_on = voted_on or deliberation.session_date
    if voted_on > (today or timezone.localdate()):
        refusals.append(_("La date du vote (%(day)s) est dans le futur.") % {"day": french_date(voted_on)})
    if refusals:
        raise ValidationError(refusals, code="vote_refused")
    plan = vote_plan(deliberation, not_granted=not_granted, lines=lines)
    deliberation.status = DeliberationStatus.VOTED
    deliberation.voted_on = voted_on
    deliberation.voted_by = by
    _save(deliberation, user=by, reason=_("Vote enregistré le %(day)s : %(granted)s subventions attribuées, "
                                          "%(refused)s non attribuées") % {
        "day": french_date(voted_on), "granted": len(plan.agreements) + len(plan.notifications),
        "refused": len(plan.not_granted)})
    for line in lines:
        granted = line.pk not in not_granted
        application_record_vote(application=line.application, granted=granted,
                                amount=line.voted_amount if granted else None, by=by)
        line.outcome = LineOutcome.GRANTED if granted else LineOutcome.NOT_GRANTED
        line.refusal_reason = "" if granted else not_granted[line.pk]
        _save(line, user=by, reason=line.get_outcome_display().capitalize())
    for line in plan.agreements:
        _draw_agreement(line, deliberation, by=by)
    for line in plan.notifications:
        _issue_letter(kind=LetterKind.NOTIFICATION, application=line.application, deliberation=deliberation, by=by,
                      amount=line.voted_amount)
    for line in plan.not_granted:
        _issue_letter(kind=LetterKind.REFUSAL, application=line.application, deliberation=deliberation, by=by,
                      amount=line.application.requested_amount, reason=line.refusal_reason)
    for application in plan.refused_in_instruction:
        _issue_letter(kind=LetterKind.REFUSAL, application=application, deliberation=deliberation, by=by,
                      amount=application.requested_amount, reason=application.proposal_reason)
    return plan


# --- Legality control ----------------------------------------------------------------------------


def _require_date(day: date | None, *, after: date | None, after_label: str, today: date | None, what: str) -> date:
    if day is None:
        raise ValidationError(_("Indiquez la date à laquelle la délibération a été %(what)s.") % {"what": what},
                              code="required")
    if day > (today or timezone.localdate()):
        raise ValidationError(_("Cette date (%(day)s) est dans le futur.") % {"day": french_date(day)}, code="future")
    if after is not None and day < after:
        raise ValidationError(_("Cette date (%(day)s) précède %(label)s (%(after)s).") % {
            "day": french_date(day), "label": after_label, "after": french_date(after)}, code="order")
    return day


@transaction.atomic
def deliberation_transmit(*, deliberation: Deliberation, transmitted_on: date, user,
                          today: date | None = None) -> Deliberation:
    """Record that the voted deliberation was sent to the préfecture (contrôle de légalité)."""
    _require_staff(user, MANAGE_PERMISSION)
    deliberation = _locked(deliberation)
    if deliberation.status != DeliberationStatus.VOTED:
        raise ValidationError(
            _("La délibération est %(status)s : seule une délibération votée et pas encore transmise est transmise "
              "à la préfecture.") % {"status": deliberation.get_status_display()}, code="state")
    deliberation.transmitted_on = _require_date(transmitted_on, after=deliberation.voted_on, after_label=_("le vote"),
                                                today=today, what=_("transmise"))
    deliberation.status = DeliberationStatus.TRANSMITTED
    return _save(deliberation, user=user, reason=_("Transmise à la préfecture le %(day)s") % {
        "day": french_date(deliberation.transmitted_on)})


@transaction.atomic
def deliberation_record_receipt(*, deliberation: Deliberation, received_on: date, user,
                                today: date | None = None) -> Deliberation:
    """Record the date the legality control acknowledged receipt of the deliberation (once)."""
    _require_staff(user, MANAGE_PERMISSION)
    deliberation = _locked(deliberation)
    if deliberation.status != DeliberationStatus.TRANSMITTED:
        raise ValidationError(_("La délibération n'a pas encore été transmise à la préfecture."), code="state")
    if deliberation.received_on is not None:
        raise ValidationError(_("L'accusé de réception du %(day)s est déjà enregistré.") % {
            "day": french_date(deliberation.received_on)}, code="state")
    deliberation.received_on = _require_date(received_on, after=deliberation.transmitted_on,
                                             after_label=_("la transmission"), today=today, what=_("reçue"))
    return _save(deliberation, user=user, reason=_("Reçue par le contrôle de légalité le %(day)s") % {
        "day": french_date(deliberation.received_on)})
