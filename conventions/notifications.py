"""Emails that hand work to the other side: one module, one email per event, never twice.

Each email is recorded as a ``Notification`` with a key naming its event (for example
``payment-paid:42``); the unique key makes a retried transition unable to send it again. The
email leaves only once the transaction that caused it has committed.
"""

from django.db import IntegrityError, transaction

from beneficiaries.models import Beneficiary
from beneficiaries.notify import member_recipients, render_email, render_text, send_on_commit
from conventions.models import Convention, Notification

__all__ = ["association_recipients", "finance_recipients", "notify", "render_text", "staff_recipients"]


def association_recipients(association: Beneficiary | Convention) -> list[str]:
    """Return who receives the association's emails (``beneficiaries.notify.member_recipients``).

    ``association`` is the association or one of its agreements.
    """
    beneficiary = association.beneficiary if isinstance(association, Convention) else association
    return member_recipients(beneficiary)


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
    subject, body = render_email(f"conventions/emails/{template}", {"convention": convention, **context})
    try:
        with transaction.atomic():
            Notification.objects.create(
                convention=convention, key=key, recipients=", ".join(recipients), subject=subject, body=body
            )
    except IntegrityError:
        return False
    return send_on_commit(subject, body, recipients, link=context.get("link", ""))
