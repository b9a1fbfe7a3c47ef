"""Writes on applications: every step from the draft to the vote goes through here.

The association drafts and submits (``application_create``, ``application_update``,
``application_submit``); the instructing agent asks for changes (``application_request_changes``,
answered by ``application_resubmit``), is assigned (``application_assign``), proposes, refuses or
dismisses; the deliberation records the vote (``application_record_vote``). Each step locks the
application, checks its guard, raises a ``ValidationError`` in French when refused (nothing is
saved), and leaves an audit record (the application's history: who and why). Each submission and
each request for changes is kept as an ``ApplicationVersion``.
"""

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.duties import review_conflict
from beneficiaries.models import Beneficiary, Membership
from beneficiaries.notify import absolute_url, send_text_email
from budgets.models import Budget, BudgetKind, BudgetScope
from campaigns.models import (
    CLOSED_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationVersion,
    Campaign,
    Opinion,
    Programme,
    VersionKind,
    normalise_title,
)
from campaigns.rules import APPLICATION_DOCUMENTS, application_document_slots, envelope_remaining
from conventions.notifications import association_recipients
from core.dates import french_date
from core.money import format_euros
from documents.services import read_upload

INSTRUCT_PERMISSION = "campaigns.change_application"

#: What the association writes (Cerfa 12156, the action); the rest is the instruction's.
CONTENT_FIELDS = ("action_title", "objectives", "action_start", "action_end", "public", "place", "requested_amount")


# --- Guards ------------------------------------------------------------------------------------


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _locked(application: Application) -> Application:
    # Only the application's row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    return (Application.objects.select_for_update(of=("self",))
            .select_related("campaign__programme__funder", "beneficiary", "budget").get(pk=application.pk))


def stale_version_error() -> ValidationError:
    return ValidationError(
        _("Cette candidature a été modifiée par quelqu'un d'autre depuis l'ouverture de la page. "
          "Rechargez la page, puis refaites vos changements."), code="stale")


def _require_version(application: Application, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != application.version:
        raise stale_version_error()


def _require_member(user, beneficiary: Beneficiary) -> None:
    if user is None or not Membership.objects.filter(user=user, beneficiary=beneficiary, is_active=True).exists():
        raise ValidationError(_("Seul un membre de l'association peut déposer ou modifier sa candidature."),
                              code="forbidden")


def _require_instructor(user) -> None:
    if user is None or not user.is_active or not user.is_staff or not user.has_perm(INSTRUCT_PERMISSION):
        raise ValidationError(_("Seul le service instructeur peut instruire une candidature."), code="forbidden")


def _require_status(application: Application, allowed, action: str) -> None:
    if application.status not in allowed:
        raise ValidationError(
            _("Cette candidature est %(status)s : elle ne peut pas être %(action)s.")
            % {"status": application.get_status_display(), "action": action}, code="state")


def instruction_conflict(application: Application, user) -> str | None:
    """Return why ``user`` may not instruct ``application`` (segregation of duties), or None.

    Nobody instructs what they submitted themselves, nor an application of an association they
    belong to (``beneficiaries.duties.review_conflict``). The admin shows the reason instead of
    the buttons.
    """
    return review_conflict(user, beneficiary=application.beneficiary, submitted_by=application.submitted_by,
                           what=_("cette candidature"))


def _require_no_conflict(application: Application, user) -> None:
    conflict = instruction_conflict(application, user)
    if conflict:
        raise ValidationError(conflict, code="conflict")


def campaign_closed_reason(campaign: Campaign, *, today: date | None = None) -> str | None:
    """Return why applications are not received today for ``campaign`` (before opening, after closing), or None."""
    today = _today(today)
    values = {"opens": french_date(campaign.opens_on), "closes": french_date(campaign.closes_on),
              "title": campaign.title}
    if today < campaign.opens_on:
        return _("La campagne « %(title)s » n'ouvre que le %(opens)s : aucune candidature n'est reçue avant.") % values
    if today > campaign.closes_on:
        return _("La campagne « %(title)s » est close depuis le %(closes)s : aucune candidature n'est plus "
                 "reçue.") % values
    return None


def _require_open(campaign: Campaign, today: date | None) -> None:
    reason = campaign_closed_reason(campaign, today=today)
    if reason:
        raise ValidationError(reason, code="closed")


def _duplicate_error(title: str) -> ValidationError:
    return ValidationError(
        {"action_title": _("L'association a déjà une candidature pour l'action « %(title)s » dans cette campagne : "
                           "complétez celle-ci plutôt que d'en déposer une seconde.") % {"title": title}},
        code="duplicate")


def _require_unique_action(*, campaign, beneficiary, title: str, excluding: Application | None = None) -> None:
    others = Application.objects.filter(campaign=campaign, beneficiary=beneficiary, action_key=normalise_title(title))
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    if others.exists():
        raise _duplicate_error(title)


def _amount(value, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Indiquez un montant.")}, code="required")
        return None
    try:
        amount = Decimal(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise ValidationError({field: _("« %(value)s » n'est pas un montant.") % {"value": value}}, code="invalid") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("Le montant ne peut pas être négatif.")}, code="negative")
    if amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("Un montant a au plus deux décimales (les centimes).")}, code="cents")
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: _("Ce montant est trop grand.")}, code="too_large")
    return amount


def _clean_content(values: dict) -> dict:
    unknown = set(values) - set(CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"not the association's fields: {sorted(unknown)}")
    cleaned = dict(values)
    for name in ("action_title", "public", "place", "objectives"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "action_title" in cleaned and not cleaned["action_title"]:
        raise ValidationError({"action_title": _("Indiquez l'intitulé de l'action.")}, code="required")
    if "requested_amount" in cleaned:
        cleaned["requested_amount"] = _amount(cleaned["requested_amount"], "requested_amount")
    return cleaned


def _check_dates(application: Application) -> None:
    if application.action_start and application.action_end and application.action_end < application.action_start:
        raise ValidationError({"action_end": _("La fin de l'action précède son début.")}, code="dates")


def _record(application: Application, *, user, reason: str, fields=()) -> Application:
    """Save the application with a new version number and an audit record naming ``user`` and why."""
    application.version += 1
    application._history_user = user
    application._change_reason = reason  # cut to its column by core.audit.fit_change_reason
    _check_dates(application)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise _duplicate_error(application.action_title) from None
    return application


# --- The association ---------------------------------------------------------------------------


@transaction.atomic
def application_create(*, campaign: Campaign, beneficiary: Beneficiary, user, today: date | None = None,
                       **content) -> Application:
    """Create a draft application of ``beneficiary`` to ``campaign``, with an empty forecast budget of the action.

    Refused before the campaign opens or after it closes, and for a second application for the same
    action (same title, whatever its accents, case or punctuation).
    """
    _require_member(user, beneficiary)
    _require_open(campaign, today)
    content = _clean_content(content)
    if not content.get("action_title"):
        raise ValidationError({"action_title": _("Indiquez l'intitulé de l'action.")}, code="required")
    _require_unique_action(campaign=campaign, beneficiary=beneficiary, title=content["action_title"])
    budget = Budget(convention=None, kind=BudgetKind.FORECAST, scope=BudgetScope.ACTION)
    budget._history_user = user
    budget.save()
    application = Application(campaign=campaign, beneficiary=beneficiary, budget=budget, **content)
    _check_dates(application)
    application._history_user = user
    application._change_reason = _("Candidature créée")
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise _duplicate_error(content["action_title"]) from None
    return application


@transaction.atomic
def application_update(*, application: Application, user, expected_version: int | None = None,
                       **content) -> Application:
    """Change what the association wrote (the action, the amount requested), while a draft or returned to it."""
    application = _locked(application)
    _require_member(user, application.beneficiary)
    _require_version(application, expected_version)
    _require_status(application, {ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED}, _("modifiée"))
    content = _clean_content(content)
    if "action_title" in content:
        _require_unique_action(campaign=application.campaign, beneficiary=application.beneficiary,
                               title=content["action_title"], excluding=application)
    for name, value in content.items():
        setattr(application, name, value)
    return _record(application, user=user, reason=_("Candidature modifiée"))


def submission_missing(application: Application) -> list[str]:
    """Return, in French, what the application lacks to be submitted (the confirmation page lists it)."""
    missing = []
    if not application.objectives.strip():
        missing.append(_("les objectifs de l'action"))
    if not application.action_start or not application.action_end:
        missing.append(_("les dates de l'action"))
    if not application.public.strip():
        missing.append(_("le public visé"))
    if not application.place.strip():
        missing.append(_("le lieu de l'action"))
    if not application.requested_amount:
        missing.append(_("le montant demandé"))
    if application.budget_id is None or not application.budget.lines.exists():
        missing.append(_("le budget prévisionnel de l'action"))
    for slot in application_document_slots(application, today=timezone.localdate()):
        if not slot.is_met:
            missing.append(_("la pièce « %(kind)s »") % {"kind": slot.label})
    return missing


def _require_complete(application: Application) -> None:
    missing = submission_missing(application)
    if missing:
        raise ValidationError(_("La candidature est incomplète ; il manque : %(missing)s.")
                              % {"missing": ", ".join(missing)}, code="incomplete")


def application_snapshot(application: Application) -> dict:
    """Return the submitted content as kept in a version: the action, the amount, the budget lines."""
    lines = []
    if application.budget_id:
        lines = [{"code": line.code, "label": line.label,
                  "amount": None if line.amount is None else str(line.amount),
                  "funding_status": line.funding_status}
                 for line in application.budget.lines.in_chart_order()]
    return {
        "action_title": application.action_title,
        "objectives": application.objectives,
        "action_start": application.action_start.isoformat() if application.action_start else None,
        "action_end": application.action_end.isoformat() if application.action_end else None,
        "public": application.public,
        "place": application.place,
        "requested_amount": None if application.requested_amount is None else str(application.requested_amount),
        "budget_lines": lines,
        "documents": [
            {"kind": slot.kind, "label": str(slot.label),
             "given": slot.attached.uploaded_at.isoformat() if slot.attached else None,
             "on_file": str(slot.on_file.where) if slot.on_file else None}
            for slot in application_document_slots(application, today=timezone.localdate())],
    }


def _add_version(application: Application, *, kind: str, user, message: str = "", snapshot=None) -> ApplicationVersion:
    last = application.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ApplicationVersion.objects.create(application=application, number=last + 1, kind=kind,
                                             snapshot=snapshot or {}, message=message, by=user)


@transaction.atomic
def application_submit(*, application: Application, user, expected_version: int | None = None,
                       today: date | None = None) -> Application:
    """Submit a draft (« déposer »): complete, within the campaign's dates; its content is kept as version 1."""
    application = _locked(application)
    _require_member(user, application.beneficiary)
    _require_version(application, expected_version)
    _require_status(application, {ApplicationStatus.DRAFT}, _("déposée"))
    _require_open(application.campaign, today)
    _require_complete(application)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.submitted_by = user
    _add_version(application, kind=VersionKind.SUBMISSION, user=user, snapshot=application_snapshot(application))
    return _record(application, user=user, reason=_("Candidature déposée"))


@transaction.atomic
def application_resubmit(*, application: Application, user, message: str = "",
                         expected_version: int | None = None) -> Application:
    """Submit again after a request for changes, with the association's reply; both versions are kept.

    Allowed after the campaign's closing date: the service instructeur asked for the changes.
    """
    application = _locked(application)
    _require_member(user, application.beneficiary)
    _require_version(application, expected_version)
    _require_status(application, {ApplicationStatus.CHANGES_REQUESTED}, _("déposée à nouveau"))
    _require_complete(application)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.submitted_by = user
    _add_version(application, kind=VersionKind.SUBMISSION, user=user, message=(message or "").strip(),
                 snapshot=application_snapshot(application))
    return _record(application, user=user, reason=_("Candidature complétée et déposée à nouveau"))


# --- The instruction ---------------------------------------------------------------------------


def _require_reason(reason: str, field: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("Indiquez %(what)s.") % {"what": what}}, code="required")
    return reason


def portal_url(application: Application) -> str:
    return absolute_url(reverse("portal_campaigns:application", args=[application.pk]))


def _email_changes_requested(application: Application, message: str) -> None:
    context = {"application": application, "message": message, "url": portal_url(application),
               "campaign": application.campaign}
    send_text_email(template="campaigns/emails/changes_requested", context=context,
                    recipients=association_recipients(application.beneficiary))


@transaction.atomic
def application_request_changes(*, application: Application, user, message: str) -> Application:
    """Return a submitted application to the association with the agent's message; it is emailed to its members."""
    application = _locked(application)
    _require_instructor(user)
    _require_status(application, {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_INSTRUCTION},
                    _("renvoyée à l'association"))
    message = _require_reason(message, "message", _("ce que l'association doit compléter"))
    application.status = ApplicationStatus.CHANGES_REQUESTED
    _add_version(application, kind=VersionKind.CHANGES_REQUESTED, user=user, message=message)
    _email_changes_requested(application, message)
    return _record(application, user=user, reason=_("Compléments demandés : %(message)s") % {"message": message})


@transaction.atomic
def application_assign(*, application: Application, agent, user) -> Application:
    """Assign the application to an instructing agent; a submitted application enters instruction.

    The agent must be staff allowed to instruct, and free of conflict with the association.
    """
    application = _locked(application)
    _require_instructor(user)
    _require_status(application, {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_INSTRUCTION,
                                  ApplicationStatus.PROPOSED}, _("attribuée à un agent"))
    if agent is None or not agent.is_active or not agent.is_staff or not agent.has_perm(INSTRUCT_PERMISSION):
        raise ValidationError({"agent": _("Cette personne n'est pas un agent instructeur.")}, code="not_agent")
    conflict = instruction_conflict(application, agent)
    if conflict:
        raise ValidationError({"agent": conflict}, code="conflict")
    application.assigned_to = agent
    if application.status == ApplicationStatus.SUBMITTED:
        application.status = ApplicationStatus.IN_INSTRUCTION
    name = agent.get_full_name() or agent.get_username()
    return _record(application, user=user, reason=_("Attribuée à %(name)s") % {"name": name})


@transaction.atomic
def application_propose(*, application: Application, opinion: str, proposed_amount, reason: str,
                        user) -> Application:
    """Record the instruction's opinion and the amount proposed to the vote, with its reason.

    Refused above what remains of the campaign's envelope (this application's previous proposal
    given back first), and to whoever submitted it or belongs to the association.
    """
    application = _locked(application)
    _require_instructor(user)
    _require_no_conflict(application, user)
    _require_status(application, {ApplicationStatus.IN_INSTRUCTION, ApplicationStatus.PROPOSED}, _("proposée"))
    if opinion not in (Opinion.FAVORABLE, Opinion.RESERVED):
        raise ValidationError({"opinion": _("Une proposition porte un avis favorable ou réservé ; "
                                            "pour un avis défavorable, refusez la candidature.")}, code="opinion")
    amount = _amount(proposed_amount, "proposed_amount", required=True)
    if amount <= 0:
        raise ValidationError({"proposed_amount": _("Le montant proposé doit être supérieur à zéro.")}, code="zero")
    reason = _require_reason(reason, "proposal_reason", _("la motivation de la proposition"))
    remaining = envelope_remaining(application.campaign, excluding=application)
    if amount > remaining:
        raise ValidationError({"proposed_amount": _(
            "Le montant proposé (%(amount)s) dépasse ce qui reste de l'enveloppe de la campagne (%(remaining)s).")
            % {"amount": format_euros(amount), "remaining": format_euros(remaining)}}, code="envelope")
    application.opinion = opinion
    application.proposed_amount = amount
    application.proposal_reason = reason
    application.status = ApplicationStatus.PROPOSED
    return _record(application, user=user, reason=_("Proposée : %(amount)s (avis %(opinion)s)") % {
        "amount": format_euros(amount), "opinion": Opinion(opinion).label})


@transaction.atomic
def application_refuse(*, application: Application, reason: str, user) -> Application:
    """Refuse the application (opinion « défavorable ») with the reason the refusal letter gives."""
    application = _locked(application)
    _require_instructor(user)
    _require_no_conflict(application, user)
    _require_status(application, {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_INSTRUCTION,
                                  ApplicationStatus.PROPOSED}, _("refusée"))
    reason = _require_reason(reason, "proposal_reason", _("le motif du refus"))
    application.opinion = Opinion.UNFAVORABLE
    application.proposed_amount = None
    application.proposal_reason = reason
    application.status = ApplicationStatus.REFUSED
    return _record(application, user=user, reason=_("Refusée : %(reason)s") % {"reason": reason})


@transaction.atomic
def application_dismiss(*, application: Application, reason: str, user) -> Application:
    """Close the application without a decision (« classée sans suite »: withdrawn, never completed…)."""
    application = _locked(application)
    _require_instructor(user)
    if application.status in CLOSED_STATUSES or application.status == ApplicationStatus.DRAFT:
        _require_status(application, (), _("classée sans suite"))
    reason = _require_reason(reason, "proposal_reason", _("pourquoi la candidature est classée sans suite"))
    application.proposed_amount = None
    application.proposal_reason = reason
    application.status = ApplicationStatus.DISMISSED
    return _record(application, user=user, reason=_("Classée sans suite : %(reason)s") % {"reason": reason})


@transaction.atomic
def application_record_vote(*, application: Application, granted: bool, amount: Decimal | None, by) -> Application:
    """Record the vote on a proposed application: granted (at ``amount``, else the proposed amount) or not.

    Called by the deliberation that votes it; refused in any state but « proposée » (a vote is
    recorded once).
    """
    application = _locked(application)
    if by is None:
        raise ValidationError(_("Le vote est enregistré par une personne identifiée."), code="forbidden")
    _require_status(application, {ApplicationStatus.PROPOSED}, _("votée"))
    if granted:
        value = application.proposed_amount if amount is None else _amount(amount, "granted_amount")
        if not value or value <= 0:
            raise ValidationError({"granted_amount": _("Le montant attribué doit être supérieur à zéro.")},
                                  code="zero")
        application.granted_amount = value
        application.status = ApplicationStatus.GRANTED
        reason = _("Attribuée par le vote : %(amount)s") % {"amount": format_euros(value)}
    else:
        application.granted_amount = None
        application.status = ApplicationStatus.NOT_GRANTED
        reason = _("Non attribuée par le vote")
    return _record(application, user=by, reason=reason)


# --- Reference data ----------------------------------------------------------------------------


@transaction.atomic
def programme_upsert(*, funder, name: str, policy: str, directorate: str, user=None) -> Programme:
    """Create or update the funder's programme named ``name`` (audited)."""
    programme = Programme.objects.filter(funder=funder, name=name).first() or Programme(funder=funder, name=name)
    programme.policy, programme.directorate = policy, directorate
    programme._history_user = user
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def campaign_upsert(*, programme, year: int, title: str, opens_on: date, closes_on: date, envelope,
                    user=None) -> Campaign:
    """Create or update the programme's campaign ``title`` of ``year`` (audited); closing after opening."""
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("La clôture des candidatures précède leur ouverture.")}, code="dates")
    campaign = (Campaign.objects.filter(programme=programme, year=year, title=title).first()
                or Campaign(programme=programme, year=year, title=title))
    campaign.opens_on, campaign.closes_on = opens_on, closes_on
    campaign.envelope = _amount(envelope, "envelope", required=True)
    campaign._history_user = user
    campaign.full_clean()
    campaign.save()
    return campaign



@transaction.atomic
def application_document_upload(*, application: Application, kind: str, uploaded, user) -> ApplicationDocument:
    """Attach ``uploaded`` to the application as its document ``kind`` (replacing the previous one), while editable.

    The file is checked as every document is (``documents.services.read_upload``: PDF, JPEG or
    PNG by its content, size limit) and stored in private storage under a random name.
    """
    application = _locked(application)
    _require_member(user, application.beneficiary)
    _require_status(application, {ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED}, _("complétée"))
    if kind not in APPLICATION_DOCUMENTS:
        raise ValidationError(_("Cette pièce n'est pas demandée avec une candidature."), code="kind")
    data, file_type = read_upload(uploaded)
    document = ApplicationDocument.objects.filter(application=application, kind=kind).first() or ApplicationDocument(
        application=application, kind=kind)
    document.file.save(f"{secrets.token_urlsafe(24)}.{file_type.extension}", ContentFile(data), save=False)
    document.uploaded_at = timezone.now()
    document.uploaded_by = user
    document._history_user = user
    document._change_reason = _("Pièce déposée avec la candidature")
    document.save()
    return document


@transaction.atomic
def application_attach_convention(*, application: Application, convention, by) -> Application:
    """Link a granted application to the agreement drawn from it; its forecast budget becomes the agreement's.

    Called by the deliberation's vote (``deliberations.services``); refused unless granted and
    not yet an agreement.
    """
    application = _locked(application)
    _require_status(application, {ApplicationStatus.GRANTED}, _("liée à une convention"))
    if application.convention_id is not None:
        raise ValidationError(_("Cette candidature est déjà devenue la convention %(reference)s.")
                              % {"reference": application.convention.reference}, code="state")
    if application.budget_id:
        budget = application.budget
        budget.convention = convention
        budget._history_user = by
        budget._change_reason = _("Budget de la candidature rattaché à la convention %(reference)s") % {
            "reference": convention.reference}
        budget.save(update_fields=["convention", "updated_at"])
    application.convention = convention
    return _record(application, user=by, reason=_("Devenue la convention %(reference)s") % {
        "reference": convention.reference})
