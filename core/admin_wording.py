"""French titles of the admin pages, with the model's own article: « Ajouter un justificatif »,
« Sélectionnez la convention d'objectifs à modifier », « Modifier l'avenant ».

Django's French catalogue cannot know a model's gender and says « objet » instead
(« Sélectionnez l'objet convention à changer », « Ajouter un objet Justificatif supplémentaire »).
The gender of each model's head noun is the one dict below; ``FrenchTitlesMixin`` puts the titles
on every admin page, and on the « add another » link of the inlines.
"""

import json
import re

from django.contrib.admin.helpers import InlineAdminFormSet
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from core.french import elides

#: Head nouns (first word of a ``verbose_name``) that are feminine; every other one is masculine.
FEMININE_NOUNS = frozenset({
    "association", "campagne", "candidature", "clause", "collectivité", "connexion", "convention", "définition", "délibération",
    "demande", "dérogation", "inscription", "invitation", "lettre", "ligne", "permission", "pièce", "subvention",
    "tentative", "tranche", "transmission", "valeur", "version",
})

def _noun(verbose_name) -> str:
    return str(verbose_name).strip().lower()


def is_feminine(verbose_name) -> bool:
    return _noun(verbose_name).split(" ", 1)[0] in FEMININE_NOUNS


def definite(verbose_name) -> str:
    """« la convention d'objectifs », « le budget », « l'avenant »."""
    noun = _noun(verbose_name)
    if elides(noun):
        return f"l'{noun}"
    return f"{'la' if is_feminine(noun) else 'le'} {noun}"


def indefinite(verbose_name) -> str:
    """« une convention d'objectifs », « un justificatif »."""
    noun = _noun(verbose_name)
    return f"{'une' if is_feminine(noun) else 'un'} {noun}"


def changelist_title(verbose_name, *, can_change: bool) -> str:
    return f"Sélectionnez {definite(verbose_name)} à {'modifier' if can_change else 'consulter'}"


def add_title(verbose_name) -> str:
    return f"Ajouter {indefinite(verbose_name)}"


def change_title(verbose_name, *, can_change: bool) -> str:
    return f"{'Modifier' if can_change else 'Consulter'} {definite(verbose_name)}"


def add_another(verbose_name) -> str:
    """The link under an inline: « Ajouter un justificatif supplémentaire »."""
    return f"Ajouter {indefinite(verbose_name)} supplémentaire"


#: Django's French success messages, guillemets with no-break spaces (« L'objet convention « X » a été ajouté avec succès. Vous pouvez
#: ajouter un autre objet « convention » ci-dessous. »), in the words of its catalogue.
_SUCCESS = re.compile(
    r"^L['’]objet .+? «\s(?P<obj>.*)\s» a été (?P<verb>ajouté|modifié|supprimé) avec succès\."
    r"(?P<rest>.*)$", re.S)
_EDIT_AGAIN = re.compile(r"Vous pouvez l[’']éditer à nouveau ci-dessous\.")
_ADD_ANOTHER = re.compile(r"Vous pouvez ajouter un autre objet (?:«\s)?.+?(?:\s»)? ci-dessous\.")
_BULK_CHANGED = re.compile(r"^(?P<count>\d+) objets? .+? (?:a été modifié|ont été modifiés) avec succès\.$")


def success_message(message, verbose_name, verbose_name_plural=None):
    """Django's success message with the model's article and agreement instead of « objet »:
    « La convention d'objectifs « X » a été ajoutée avec succès. Vous pouvez la modifier à nouveau
    ci-dessous. » Any other message is returned as it is."""
    text = str(message)
    feminine = is_feminine(verbose_name)
    ending = "e" if feminine else ""
    if match := _SUCCESS.match(text):
        rest = _EDIT_AGAIN.sub(f"Vous pouvez {'la' if feminine else 'le'} modifier à nouveau ci-dessous.",
                               match["rest"])
        rest = _ADD_ANOTHER.sub(
            f"Vous pouvez ajouter {'une autre' if feminine else 'un autre'} {_noun(verbose_name)} ci-dessous.",
            rest)
        # The object's name was escaped by Django (format_html): only our words are escaped here.
        escape = conditional_escape if isinstance(message, SafeString) else str
        rebuilt = (f"{escape(capfirst(definite(verbose_name)))} «\u00a0{match['obj']}\u00a0» a été "
                   f"{match['verb']}{ending} avec succès.{escape(rest)}")
        return mark_safe(rebuilt) if isinstance(message, SafeString) else rebuilt  # noqa: S308
    if match := _BULK_CHANGED.match(text):
        count = int(match["count"])
        name = _noun(verbose_name if count == 1 else (verbose_name_plural or verbose_name))
        verb = f"a été modifié{ending}" if count == 1 else f"ont été modifié{ending}s"
        return f"{count} {name} {verb} avec succès."
    return message


class _FrenchInlineAdminFormSet(InlineAdminFormSet):
    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        data["options"]["addText"] = add_another(self.opts.verbose_name)
        return json.dumps(data)


class FrenchTitlesMixin:
    """Every page of a ModelAdmin titled with the model's article instead of Django's « objet »."""

    def changelist_view(self, request, extra_context=None):
        title = changelist_title(self.opts.verbose_name, can_change=self.has_change_permission(request))
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {"title": add_title(self.opts.verbose_name),
                                                    **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        title = change_title(self.opts.verbose_name, can_change=self.has_change_permission(request))
        return super().change_view(request, object_id, form_url, {"title": title, **(extra_context or {})})

    def message_user(self, request, message, *args, **kwargs):
        message = success_message(message, self.opts.verbose_name, self.opts.verbose_name_plural)
        return super().message_user(request, message, *args, **kwargs)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_admin_formset in inline_admin_formsets:
            # Django builds these itself; only the « add another » text changes.
            inline_admin_formset.__class__ = _FrenchInlineAdminFormSet
        return inline_admin_formsets


def french_titles(site) -> None:
    """Give the French titles to the admins registered by Django and third-party apps too (users,
    groups, login attempts): each is given a subclass with ``FrenchTitlesMixin`` first."""
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if not isinstance(model_admin, FrenchTitlesMixin):
            model_admin.__class__ = type(cls.__name__, (FrenchTitlesMixin, cls), {"__module__": cls.__module__})
