"""The thread of an agreement: post a message (either side), mark it read, count the unread, notify.

``message_post`` is the one write: it checks who may speak for which side (a member of the
association for the association; a staff member who is not one of its members for the service),
the message's bounds and its attachments (size and real type, as for the documents), records
the message in the audit trail (who, when, which agreement) and emails the other side.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Membership
from beneficiaries.notify import absolute_url, send_text_email
from conventions.models import Convention
from conventions.notifications import association_recipients, staff_recipients
from documents.services import format_size, max_upload_bytes, read_upload, store_checked_upload
from messaging.models import MAX_ATTACHMENTS, MAX_BODY_CHARS, Attachment, Message, Side


def _is_member(user, convention: Convention) -> bool:
    return Membership.objects.filter(user=user, beneficiary_id=convention.beneficiary_id, is_active=True,
                                     user__is_active=True).exists()


def side_refusal(user, *, convention: Convention, side: str) -> str | None:
    """Return why ``user`` may not write for ``side`` in ``convention``'s thread, or None.

    The association's side is its active members'; the service's is staff who are not members of
    the association (a member never answers as the service, even with a staff account).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return _("Connectez-vous pour écrire un message.")
    member = _is_member(user, convention)
    if side == Side.ASSOCIATION:
        return None if member else _("Seuls les membres de l'association écrivent en son nom.")
    if side == Side.SERVICE:
        if not user.is_staff:
            return _("Seuls les agents du service instructeur lui répondent.")
        if member:
            return _("Vous êtes membre de l'association « %(name)s » : vous ne pouvez pas lui répondre au nom du "
                     "service instructeur.") % {"name": convention.beneficiary.name}
        return None
    return _("Ce côté de l'échange n'existe pas.")


def check_message(body: str, files: Sequence) -> str:
    """Return the message's text, stripped, or raise ``ValidationError`` (empty, too long, too many files)."""
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = _("Écrivez votre message.")
    elif len(body) > MAX_BODY_CHARS:
        errors["body"] = _("Votre message compte %(count)s caractères : la limite est de %(max)s. Raccourcissez-le, "
                           "ou joignez le détail en pièce jointe.") % {"count": len(body), "max": MAX_BODY_CHARS}
    if len(files) > MAX_ATTACHMENTS:
        errors["attachments"] = _("Vous avez joint %(count)s fichiers : %(max)s au plus par message.") % {
            "count": len(files), "max": MAX_ATTACHMENTS}
    if errors:
        raise ValidationError(errors)
    return body


def attachments_help() -> str:
    return _("PDF, JPEG ou PNG, %(max)s fichiers au plus, de %(limit)s chacun au plus.") % {
        "max": MAX_ATTACHMENTS, "limit": format_size(max_upload_bytes())}


@transaction.atomic
def message_post(*, convention: Convention, author, side: str, body: str, files: Sequence = ()) -> Message:
    """Post a message in ``convention``'s thread for ``side``, with ``files`` attached; email the other side.

    Refused (``ValidationError``, nothing saved) when ``author`` may not write for ``side``, the
    text is empty or too long, or a file is too large, too many or not a PDF, JPEG or PNG.
    """
    if refusal := side_refusal(author, convention=convention, side=side):
        raise ValidationError(refusal, code="side")
    body = check_message(body, files)
    checked = []
    for uploaded in files:
        try:
            checked.append((uploaded, *read_upload(uploaded)))
        except ValidationError as error:
            raise ValidationError({"attachments": [
                _("« %(name)s » : %(error)s") % {"name": uploaded.name, "error": message}
                for message in error.messages]}) from None
    message = Message(convention=convention, author=author, side=side, body=body)
    message._history_user = author
    message._change_reason = _("Message envoyé")
    message.save()
    for uploaded, data, file_type in checked:
        attachment = Attachment(message=message, name=(uploaded.name or "")[-150:], size=len(data))
        store_checked_upload(attachment.file, data, file_type)
        attachment.save()
    message_notify(message)
    return message


def thread(convention: Convention):
    """Return the thread oldest first, with authors and attachments (three queries)."""
    return (Message.objects.filter(convention=convention).select_related("author")
            .prefetch_related("attachments").order_by("created_at", "pk"))


def thread_open(*, convention: Convention, reader_side: str, mark_read: bool) -> tuple[list[Message], set[int]]:
    """Return the thread and the ids of the messages ``reader_side`` had not read; mark them read if ``mark_read``."""
    items = list(thread(convention))
    unread = {m.pk for m in items if m.side == other_side(reader_side) and m.read_at is None}
    if mark_read and unread:
        thread_mark_read(convention=convention, reader_side=reader_side)
    return items, unread


def other_side(side: str) -> str:
    return Side.SERVICE if side == Side.ASSOCIATION else Side.ASSOCIATION


def thread_mark_read(*, convention: Convention, reader_side: str) -> int:
    """Mark read the other side's messages ``reader_side`` has not read yet; return how many.

    A reading marker, not a decision: it is not kept in the audit trail.
    """
    return Message.objects.filter(convention=convention, side=other_side(reader_side), read_at__isnull=True).update(
        read_at=timezone.now())


def unread_count(convention: Convention, *, reader_side: str) -> int:
    """How many messages of the other side ``reader_side`` has not read in ``convention``'s thread."""
    return Message.objects.filter(convention=convention, side=other_side(reader_side), read_at__isnull=True).count()


def unread_for_service():
    """The messages of associations no staff member has read yet (the admin's « non lus »)."""
    return Message.objects.filter(side=Side.ASSOCIATION, read_at__isnull=True)


def unread_counts_for_association(conventions) -> dict[int, int]:
    """Unread messages of the service per agreement, for a list of agreements (one query)."""
    rows = (Message.objects.filter(convention__in=conventions).values("convention")
            .annotate(unread=Count("pk", filter=Q(side=Side.SERVICE, read_at__isnull=True))))
    return {row["convention"]: row["unread"] for row in rows}


def portal_thread_path(convention_id: int) -> str:
    return reverse("portal_conventions:messages", kwargs={"convention_pk": convention_id})


def admin_thread_path(convention_id: int) -> str:
    return reverse("admin:conventions_convention_messages", args=[convention_id])


def service_recipients(message: Message) -> list[str]:
    """The service's address (``Funder.email``), then staff members who already wrote in the thread."""
    convention = message.convention
    writers = (Message.objects.filter(convention=convention, side=Side.SERVICE, author__is_active=True)
               .exclude(author__email="").values_list("author__email", flat=True).distinct())
    seen, result = set(), []
    for email in [*staff_recipients(convention), *writers]:
        if email.lower() not in seen:
            seen.add(email.lower())
            result.append(email)
    return result


def message_notify(message: Message) -> bool:
    """Email the other side that ``message`` was written, with the link to the thread (on commit)."""
    convention = Convention.objects.select_related("beneficiary", "funder").get(pk=message.convention_id)
    message.convention = convention
    if message.side == Side.ASSOCIATION:
        template, recipients = "messaging/emails/to_service", service_recipients(message)
        link = absolute_url(admin_thread_path(convention.pk))
    else:
        template, recipients = "messaging/emails/to_association", association_recipients(convention)
        link = absolute_url(portal_thread_path(convention.pk))
    recipients = [email for email in recipients if email.lower() != (message.author.email or "").lower()]
    context = {"message": message, "convention": convention, "link": link,
               "attachments": list(message.attachments.all())}
    return send_text_email(template=template, context=context, recipients=recipients)
