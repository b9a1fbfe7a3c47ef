"""The portal's « Messages » page of an agreement and its attachments' downloads.

Everything is loaded through ``MemberConventionMixin``: another association's agreement or
attachment answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from conventions.access import MemberConventionMixin
from documents.views import private_file_response
from messaging.forms import MessageForm
from messaging.models import Attachment, Side
from messaging.services import message_post, portal_thread_path, thread_open


def apply_errors(form, error: ValidationError) -> None:
    """Show a refusal of ``message_post`` on ``form``: by field when it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def attachment_response(attachment: Attachment):
    stem = slugify(attachment.name.rsplit(".", 1)[0]) or "piece-jointe"
    return private_file_response(attachment.file, stem=stem)


class ThreadView(MemberConventionMixin, TemplateView):
    """The agreement's thread, oldest first, and the form to write to the service."""

    template_name = "messaging/portal/thread.html"
    form = None

    def get_context_data(self, **kwargs):
        items, unread = thread_open(convention=self.convention, reader_side=Side.ASSOCIATION,
                                    mark_read=self.request.method == "GET")
        return super().get_context_data(thread=items, unread=unread, form=self.form or MessageForm(),
                                        Side=Side, **kwargs)

    def post(self, request, *args, **kwargs):
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message_post(convention=self.convention, author=request.user, side=Side.ASSOCIATION,
                             body=form.cleaned_data["body"], files=form.cleaned_data["attachments"])
            except ValidationError as error:
                apply_errors(form, error)
        if form.errors:
            self.form = form
            return self.render_to_response(self.get_context_data())
        messages.success(request, _("Votre message est envoyé au service instructeur."))
        return redirect(portal_thread_path(self.convention.pk) + "#dernier-message")


class AttachmentView(MemberConventionMixin, View):
    """Download one attachment of the agreement's thread, for the association's members only."""

    def get(self, request, *args, **kwargs):
        attachment = get_object_or_404(Attachment.objects.filter(message__convention=self.convention),
                                       pk=kwargs["pk"])
        return attachment_response(attachment)
