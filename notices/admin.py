"""Staff choose how they receive the application's emails: « Mes notifications » (their own only)."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t

from core.admin_delete import BoundedDeletePagesMixin
from notices.forms import PreferenceForm
from notices.models import NoticePreference
from notices.services import notice_frequency, notice_preference_set
from notices.views import preference_saved_message


@admin.register(NoticePreference)
class NoticePreferenceAdmin(BoundedDeletePagesMixin, admin.ModelAdmin):
    """No list of everyone's choices: only the page where each staff member sets their own."""

    def get_model_perms(self, request):
        return {}  # not in the index: reached from the header's « Mes notifications »

    def get_urls(self):
        return [path("mienne/", self.admin_site.admin_view(self.mine_view), name="notices_preference_mine"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:notices_preference_mine")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def mine_view(self, request):
        form = PreferenceForm(request.POST or None, initial={"frequency": notice_frequency(request.user)})
        if request.method == "POST" and form.is_valid():
            frequency = form.cleaned_data["frequency"]
            notice_preference_set(user=request.user, frequency=frequency, by=request.user)
            messages.success(request, preference_saved_message(frequency))
            return redirect("admin:notices_preference_mine")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _t("Mes notifications")}
        return TemplateResponse(request, "admin/notices/preference.html", context)
