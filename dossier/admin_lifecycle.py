"""The lifecycle in the staff admin: what each user may do to an agreement now, and why not."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from dossier.actions import TRANSITION_SERVICES, convention_terminate
from dossier.jobs import convention_sign_start
from dossier.lifecycle import TRANSITIONS, available_transitions, may_waive, waiver_conflict
from dossier.requirements import BY_CODE, requirement_states
from jobs.models import JobStatus


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    waive = forms.MultipleChoiceField(
        label=_("Passer outre"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Une dérogation est enregistrée à votre nom avec son motif et reste visible sur la convention."),
    )
    waiver_reason = forms.CharField(label=_("Motif de la dérogation"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, waivable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["waive"].choices = [(state.requirement.code, f"{state.requirement.label} — {state.reason}")
                                        for state in waivable]
        if not waivable:
            del self.fields["waive"], self.fields["waiver_reason"]

    def clean(self):
        data = super().clean()
        if data.get("waive") and not (data.get("waiver_reason") or "").strip():
            self.add_error("waiver_reason", _("Le motif de la dérogation est obligatoire pour passer outre une condition."))
        return data


class TerminationForm(TransitionForm):
    pro_rata_temporis = forms.TypedChoiceField(
        label=_("Reversement"), coerce=lambda v: v == "prorata",
        choices=[("prorata", _("Au prorata temporis (part non exécutée)")), ("full", _("En totalité"))],
        widget=forms.RadioSelect, initial="prorata",
    )


class LifecycleAdminMixin:
    """Adds the « Cycle de vie » block and one confirmation page per transition."""

    def get_urls(self):
        custom = [
            path("<path:object_id>/etat/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name="conventions_convention_transition"),
        ]
        return custom + super().get_urls()

    @staticmethod
    def _transition_url(convention, name):
        return reverse("admin:conventions_convention_transition", args=[convention.pk, name])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["requirement_waivers"] = [
                (BY_CODE[w.requirement].label if w.requirement in BY_CODE else w.requirement,
                 TRANSITIONS[w.transition].label if w.transition in TRANSITIONS else w.transition, w)
                for w in obj.requirement_waivers.select_related("by")
            ]
            context["lifecycle_transitions"] = [
                (transition, reason, self._transition_url(obj, transition.name),
                 bool(reason) and may_waive(obj, transition.name, request.user))
                for transition, reason in available_transitions(obj, request.user)
            ]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def transition_view(self, request, object_id, name):
        convention = self.get_object(request, unquote(object_id))
        if convention is None or name not in TRANSITIONS:
            raise Http404
        if not self.has_view_permission(request, convention):
            raise PermissionDenied
        transition = TRANSITIONS[name]
        states = requirement_states(convention, name)
        waivable = [state for state in states if state.blocking and state.requirement.waivable]
        # A member of the association may not waive what it owes: the reason shows, the boxes do not.
        conflict = waiver_conflict(convention, request.user) if waivable else None
        if conflict:
            waivable = []
        form_class = TerminationForm if name == "terminate" else TransitionForm
        form = form_class(request.POST or None, waivable=waivable)
        change_url = reverse("admin:conventions_convention_change", args=[convention.pk])
        if request.method == "POST" and form.is_valid():
            # The signature renders and freezes the final PDF (seconds): a background job.
            done = (self._sign if name == "sign" else self._apply)(request, convention, transition, form, change_url)
            if done is not None:
                return done
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": convention,
            "title": transition.label, "transition": transition, "form": form, "change_url": change_url,
            "requirement_states": states, "waiver_conflict": conflict,
        }
        return TemplateResponse(request, "admin/conventions/transition_confirm.html", context)

    def _apply(self, request, convention, transition, form, change_url):
        """Apply the transition: the agreement's page, or None with the refusal added to ``form``."""
        comment = form.cleaned_data["comment"]
        try:
            if transition.name == "terminate":
                convention_terminate(convention=convention, user=request.user, comment=comment,
                                     pro_rata_temporis=form.cleaned_data["pro_rata_temporis"])
            else:
                TRANSITION_SERVICES[transition.name](convention=convention, user=request.user, comment=comment,
                                                     waive=form.cleaned_data.get("waive") or (),
                                                     waiver_reason=form.cleaned_data.get("waiver_reason", ""))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return None
        return self._done(request, convention, transition, change_url)

    def _sign(self, request, convention, transition, form, change_url):
        """Start the signature's job. Finished at once (a free worker, the tests' immediate backend), it
        answers like any transition (the agreement's page, or None with the refusal added to ``form``);
        still under way, with the job's page, which gives the signed PDF once it is made."""
        with transaction.atomic():
            job = convention_sign_start(convention=convention, user=request.user, comment=form.cleaned_data["comment"],
                                        waive=form.cleaned_data.get("waive") or (),
                                        waiver_reason=form.cleaned_data.get("waiver_reason", ""))
            if job.status == JobStatus.FAILED:  # a refusal, shown here: the job and its email are undone
                form.add_error(None, job.error)
                transaction.set_rollback(True)
                return None
        if job.status == JobStatus.DONE:
            return self._done(request, convention, transition, change_url)
        messages.info(request, _("La signature est en cours : le PDF final est rendu puis figé. Cette page vous "
                                 "dit quand c'est fait."))
        return redirect(reverse("jobs:detail", args=[job.pk]))

    @staticmethod
    def _done(request, convention, transition, change_url):
        messages.success(request, _("« %(action)s » : fait. La convention est maintenant à l'état « %(s)s ».")
                         % {"action": transition.label,
                            "s": convention.__class__.objects.get(pk=convention.pk).get_status_display()})
        return redirect(change_url)
