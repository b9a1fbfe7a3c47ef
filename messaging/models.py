"""One thread of messages per agreement, between the association and its instructing service.

A message is written by one side (``Side``): a member of the association on the portal, or a
staff member in the admin. It is « non lu » for the other side until someone of that side opens
the thread (``read_at``). Attachments are checked and stored like the documents the association
owes (``documents.services.read_upload``, the private storage), and served only through the
thread's pages.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conventions.models import Convention
from core.storage import private_storage

#: A message's text, at most: about two pages. Longer belongs in an attachment.
MAX_BODY_CHARS = 5000
#: Attachments of one message, at most (each within ``DOCUMENT_MAX_UPLOAD_BYTES``).
MAX_ATTACHMENTS = 5


class Side(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    SERVICE = "service", _("Service instructeur")


class Message(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="messages",
                                   verbose_name=_("convention"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("auteur"))
    side = models.CharField(_("côté"), max_length=12, choices=Side.choices)
    body = models.TextField(_("message"), max_length=MAX_BODY_CHARS)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    #: When someone of the other side first opened the thread after it was sent.
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["read_at"])

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["convention", "created_at", "pk"]
        indexes = [models.Index(fields=["convention", "side", "read_at"], name="message_unread_idx")]
        constraints = [models.CheckConstraint(condition=Q(side__in=Side.values), name="message_side_valid")]

    def __str__(self):
        return _("Message du %(date)s — %(reference)s") % {
            "date": self.created_at.strftime("%d/%m/%Y") if self.created_at else "…",
            "reference": self.convention.reference}


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments",
                                verbose_name=_("message"))
    file = models.FileField(_("fichier"), upload_to="messages/", storage=private_storage)
    #: The name the file had on the sender's computer, shown in the thread (the stored name is random).
    name = models.CharField(_("nom"), max_length=150)
    size = models.PositiveIntegerField(_("taille"))

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["message", "pk"]

    def __str__(self):
        return self.name
