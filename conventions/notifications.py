"""Emails that hand work to the other side: one module, one email per event, never twice.

Each email is recorded as a ``Notification`` with a key naming its event (for example
``payment-paid:42``); the unique key makes a retried transition unable to send it again. The
email leaves only once the transaction that caused it has committed.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template import Context, engines

from beneficiaries.models import Beneficiary
from conventions.models import Convention, Notification


def association_recipients(association: Beneficiary | Convention) -> list[str]:
    """Return who receives the association's emails: its own address, then its active members' addresses.

    The one rule for every email to an association (hand-overs, reminders, returns): members whose
    membership or account is deactivated receive nothing, and an address given twice (whatever its
    case) is written once. ``association`` is the association or one of its agreements; the
    reminders prefetch the active memberships as ``active_memberships``.
    """
    beneficiary = association.beneficiary if isinstance(association, Convention) else association
    memberships = getattr(beneficiary, "active_memberships", None)
    if memberships is None:
        memberships = beneficiary.memberships.filter(is_active=True, user__is_active=True).select_related("user")
    seen, result = set(), []
    for email in [beneficiary.email, *(m.user.email for m in memberships)]:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            result.append(email)
    return result


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template (an email) without HTML escaping: « l'équilibrer », never « l&#x27;… »."""
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def staff_recipients(convention: Convention) -> list[str]:
    return [convention.funder.email] if convention.funder.email else []


def finance_recipients(convention: Convention) -> list[str]:
    return [convention.funder.finance_email] if convention.funder.finance_email else []


def notify(*, key: str, convention: Convention, recipients: list[str], template: str, context: dict) -> bool:
    """Send the email rendered from ``template`` once for ``key``; return False if already sent.

    ``template`` names a pair ``conventions/emails/<template>_subject.txt`` / ``<template>_body.txt``.
    """
    if not recipients:
        return False
    context = {"convention": convention, "site_url": settings.SITE_URL, **context}
    subject = render_text(f"conventions/emails/{template}_subject.txt", context).strip()
    body = render_text(f"conventions/emails/{template}_body.txt", context)
    try:
        with transaction.atomic():
            Notification.objects.create(
                convention=convention, key=key, recipients=", ".join(recipients), subject=subject, body=body
            )
    except IntegrityError:
        return False
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    )
    return True
