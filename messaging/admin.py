"""Staff side of the threads: the « Messages » list (filter « non lus ») and each agreement's thread page.

The thread page (/admin/conventions/convention/<pk>/messages/) is added to the agreement's admin
by ``ConventionMessagesAdminMixin`` (composed in ``dossier.admin``); staff reply there, with
attachments. Messages are never edited or deleted: the list only leads to the threads.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from core.admin_base import DomainAdmin
from messaging.forms import MessageForm
from messaging.models import Attachment, Message, Side
from messaging.services import (
    admin_thread_path,
    message_post,
    side_refusal,
    thread_open,
    unread_count,
    unread_for_service,
)
from messaging.views import apply_errors, attachment_response


class UnreadFilter(admin.SimpleListFilter):
    title = _("lecture")
    parameter_name = "lecture"

    def lookups(self, request, model_admin):
        return [("non-lus", _("Non lus"))]

    def queryset(self, request, queryset):
        if self.value() == "non-lus":
            return queryset.filter(pk__in=unread_for_service().values("pk"))
        return queryset


@admin.register(Message)
class MessageAdmin(DomainAdmin):
    list_display = ["created_at", "agreement", "association", "side", "written_by", "excerpt", "state"]
    list_filter = [UnreadFilter, "side"]
    search_fields = ["convention__reference", "convention__beneficiary__name", "body"]
    list_select_related = ["convention__beneficiary", "author"]
    list_display_links = None
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Convention"), ordering="convention__reference")
    def agreement(self, message):
        return format_html('<a href="{}">{}</a>', admin_thread_path(message.convention_id),
                           message.convention.reference)

    @admin.display(description=_("Association"), ordering="convention__beneficiary__name")
    def association(self, message):
        return list_name(message.convention.beneficiary)

    @admin.display(description=_("Auteur"))
    def written_by(self, message):
        return message.author.get_full_name() or message.author.get_username()

    @admin.display(description=_("Message"))
    def excerpt(self, message):
        return Truncator(message.body).chars(90)

    @admin.display(description=_("État"))
    def state(self, message):
        if message.side == Side.ASSOCIATION and message.read_at is None:
            return format_html('<strong class="unread">{}</strong>', _t("Non lu"))
        return _t("Lu") if message.read_at else _t("Envoyé")


class ConventionMessagesAdminMixin:
    """Adds the agreement's thread page and its attachments' downloads to the agreement's admin."""

    def get_urls(self):
        return [
            path("<path:object_id>/messages/", self.admin_site.admin_view(self.messages_view),
                 name="conventions_convention_messages"),
            path("<path:object_id>/messages/pieces-jointes/<int:pk>/",
                 self.admin_site.admin_view(self.message_attachment_view),
                 name="conventions_convention_message_attachment"),
            *super().get_urls(),
        ]

    def may_reply(self, request) -> bool:
        return request.user.has_perm("messaging.add_message")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["messages_url"] = admin_thread_path(obj.pk)
            context["unread_messages"] = unread_count(obj, reader_side=Side.SERVICE)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _thread_convention(self, request, object_id):
        convention = self.get_object(request, unquote(object_id))
        if convention is None:
            raise Http404
        if not self.has_view_permission(request, convention):
            raise PermissionDenied
        return convention

    def messages_view(self, request, object_id):
        convention = self._thread_convention(request, object_id)
        refusal = side_refusal(request.user, convention=convention, side=Side.SERVICE)
        if not self.may_reply(request):
            refusal = _t("Vous pouvez lire cet échange ; répondre revient aux agents instructeurs.")
        form = MessageForm()
        if request.method == "POST":
            if refusal:
                raise PermissionDenied
            form = MessageForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    message_post(convention=convention, author=request.user, side=Side.SERVICE,
                                 body=form.cleaned_data["body"], files=form.cleaned_data["attachments"])
                except ValidationError as error:
                    apply_errors(form, error)
            if not form.errors:
                messages.success(request, _t("Votre réponse est envoyée à l'association."))
                return redirect(admin_thread_path(convention.pk) + "#dernier-message")
        # Read by who answers for the service, not by finance's glance.
        items, unread = thread_open(convention=convention, reader_side=Side.SERVICE,
                                    mark_read=request.method == "GET" and not refusal)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": convention,
            "title": _t("Messages — %(reference)s") % {"reference": convention.reference},
            "thread": items, "unread": unread, "form": form, "refusal": refusal, "Side": Side,
        }
        return TemplateResponse(request, "admin/messaging/thread.html", context)

    def message_attachment_view(self, request, object_id, pk):
        convention = self._thread_convention(request, object_id)
        attachment = get_object_or_404(Attachment.objects.filter(message__convention=convention), pk=pk)
        return attachment_response(attachment)
