"""The one way to send a plain-text email: rendered unescaped, absolute links, sent on commit.

Every email the product sends goes through here (hand-overs, document notices, invitations,
returns of an application): its subject and body come from a pair of text templates
``<template>_subject.txt`` / ``<template>_body.txt`` rendered WITHOUT HTML escaping, so that
« L'Atelier <Arts> & Cie » and « l'équilibre » read as typed, never « L&#x27;Atelier &lt;Arts&gt; ».
Links are built from ``settings.SITE_URL`` (``absolute_url``), never from the page that caused the
email. The email leaves only once the transaction that caused it has committed: a refused or
rolled-back action sends nothing.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context, engines

from beneficiaries.models import Beneficiary


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template (an email) without HTML escaping: « l'équilibrer », never « l&#x27;… »."""
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def absolute_url(path: str) -> str:
    """Return the address of ``path`` on the site (``settings.SITE_URL``), as written in an email."""
    return settings.SITE_URL.rstrip("/") + path


def member_recipients(beneficiary: Beneficiary) -> list[str]:
    """Return who receives the association's emails: its own address, then its active members' addresses.

    Members whose membership or account is deactivated receive nothing, and an address given twice
    (whatever its case) is written once. The reminders prefetch the active memberships as
    ``active_memberships``.
    """
    memberships = getattr(beneficiary, "active_memberships", None)
    if memberships is None:
        memberships = beneficiary.memberships.filter(is_active=True, user__is_active=True).select_related("user")
    seen, result = set(), []
    for email in [beneficiary.email, *(m.user.email for m in memberships)]:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            result.append(email)
    return result


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Return the (subject, body) of the email ``template`` (a ``…_subject.txt`` / ``…_body.txt`` pair)."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    return subject, render_text(f"{template}_body.txt", context)


def send_on_commit(subject: str, body: str, recipients: list[str], *, reply_to: list[str] | None = None) -> bool:
    """Send the email once the current transaction commits; return False if nobody receives it."""
    if not recipients:
        return False
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=list(recipients),
                           reply_to=reply_to or None)
    transaction.on_commit(lambda: message.send(fail_silently=False))
    return True


def send_text_email(*, template: str, context: dict, recipients: list[str],
                    reply_to: list[str] | None = None) -> bool:
    """Render the email ``template`` with ``context`` and send it to ``recipients`` on commit."""
    if not recipients:
        return False
    subject, body = render_email(template, context)
    return send_on_commit(subject, body, recipients, reply_to=reply_to)
