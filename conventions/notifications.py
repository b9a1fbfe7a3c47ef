"""Emails that hand work to the other side: one module, one email per event, never twice.

Each email is recorded as a ``Notification`` with a key naming its event (for example
``payment-paid:42``); the unique key makes a retried transition unable to send it again. The
email leaves only once the transaction that caused it has committed.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from conventions.models import Convention, Notification


def association_recipients(convention: Convention) -> list[str]:
    """Return the association's address and its active members' addresses."""
    beneficiary = convention.beneficiary
    emails = [beneficiary.email] if beneficiary.email else []
    emails += [
        email for email in beneficiary.memberships.filter(is_active=True).values_list("user__email", flat=True) if email
    ]
    return sorted(set(emails))


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
    subject = render_to_string(f"conventions/emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"conventions/emails/{template}_body.txt", context)
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
