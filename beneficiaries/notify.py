"""The one way to send a plain-text email: rendered unescaped, absolute links, sent on commit.

Every email the product sends goes through here (hand-overs, document notices, invitations,
returns of an application): its subject and body come from a pair of text templates
``<template>_subject.txt`` / ``<template>_body.txt`` rendered WITHOUT HTML escaping, so that
« L'Atelier <Arts> & Cie » and « l'équilibre » read as typed, never « L&#x27;Atelier &lt;Arts&gt; ».
Links are built from ``settings.SITE_URL`` (``absolute_url``), never from the page that caused the
email. The email leaves only once the transaction that caused it has committed: a refused or
rolled-back action sends nothing.

Each user chooses how they receive them (``notices``): at once, or gathered in one digest a day.
An address that belongs to a user who chose the digest is not sent the email: it is queued for
them, and ``digest_send`` (the daily ``send_digest`` run) sends one email with every queued notice.
Emails that give access to an account (an invitation, an activation) are always sent at once.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context, engines
from django.urls import reverse

from beneficiaries.models import Beneficiary
from core.dates import french_datetime, french_today
from notices.services import (
    digest_accounts,
    notice_queue,
    notices_mark_sent,
    notices_unsent,
    users_with_unsent_notices,
)


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


def send_on_commit(subject: str, body: str, recipients: list[str], *, reply_to: list[str] | None = None,
                   link: str = "", immediate: bool = False) -> bool:
    """Send the email once the current transaction commits; return False if nobody receives it.

    Addresses of users who chose the daily digest get it queued instead (with ``link``, the page
    it is about), unless ``immediate`` (an email giving access to an account).
    """
    if not recipients:
        return False
    queued = {} if immediate else digest_accounts(recipients)
    for user in queued.values():
        notice_queue(user=user, subject=subject, body=body, link=link)
    now = [address for address in recipients if address.lower() not in queued]
    if now:
        message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=now,
                               reply_to=reply_to or None)
        transaction.on_commit(lambda: message.send(fail_silently=False))
    return True


def send_text_email(*, template: str, context: dict, recipients: list[str],
                    reply_to: list[str] | None = None, immediate: bool = False) -> bool:
    """Render the email ``template`` with ``context`` and send it to ``recipients`` on commit.

    ``context["link"]``, when given, is the page the email is about (listed in a digest).
    """
    if not recipients:
        return False
    subject, body = render_email(template, context)
    return send_on_commit(subject, body, recipients, reply_to=reply_to, link=context.get("link", ""),
                          immediate=immediate)


def digest_send() -> int:
    """Send each user with queued notices one email listing them all, then mark them sent; return how many emails.

    Run twice, it sends once: each user's notices are locked, sent and marked in one transaction.
    """
    sent = 0
    for user in users_with_unsent_notices():
        with transaction.atomic():
            notices = notices_unsent(user)
            if not notices or not user.email:
                continue
            for notice in notices:
                notice.when = french_datetime(notice.created_at)
            page = "admin:notices_preference_mine" if user.is_staff else "portal:notifications"
            subject, body = render_email("notices/emails/digest", {
                "user": user, "notices": notices, "count": len(notices), "day": french_today(),
                "preferences_link": absolute_url(reverse(page)),
            })
            EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[user.email]).send(fail_silently=False)
            notices_mark_sent(notices)
            sent += 1
    return sent
