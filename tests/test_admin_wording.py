"""Admin titles and buttons name the model with its article, never Django's « objet »."""

import html
import json
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, override

from conventions.models import Funder
from core.admin_wording import (
    add_another,
    add_title,
    change_title,
    changelist_title,
    definite,
    indefinite,
    success_message,
)
from tests.admin_forms import change_form_data


def test_articles_follow_the_gender_of_the_head_noun():
    assert definite("convention d'objectifs") == "la convention d'objectifs"
    assert definite("budget") == "le budget"
    assert definite("avenant") == "l'avenant"
    assert indefinite("justificatif") == "un justificatif"
    assert indefinite("demande de versement") == "une demande de versement"
    assert indefinite("ligne budgétaire") == "une ligne budgétaire"
    assert changelist_title("convention d'objectifs", can_change=True) == \
        "Sélectionnez la convention d'objectifs à modifier"
    assert changelist_title("justificatif", can_change=False) == "Sélectionnez le justificatif à consulter"
    assert add_title("Délibération") == "Ajouter une délibération"
    assert change_title("avenant", can_change=True) == "Modifier l'avenant"
    assert add_another("Justificatif") == "Ajouter un justificatif supplémentaire"
    assert definite("tentative de connexion") == "la tentative de connexion"


def _titles(page: str) -> list[str]:
    found = re.findall(r"<title>(.*?)</title>", page, re.S) + re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    found += re.findall(r'class="addlink"[^>]*>(.*?)</a>', page, re.S)
    for data in re.findall(r'data-inline-formset="([^"]*)"', page):
        found.append(json.loads(html.unescape(data))["options"]["addText"])
    return [html.unescape(re.sub(r"<[^>]+>", "", text)) for text in found]


@pytest.mark.django_db
def test_no_admin_page_says_objet(client, demo):
    client.login(username="admin", password="demo")
    walked = 0
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{prefix}_change", args=[first.pk]))
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:  # an add page some models do not have (403), a redirect
                continue
            walked += 1
            for text in _titles(response.content.decode()):
                assert "objet" not in text.lower().replace("objectif", ""), (url, text)
    assert walked > 40


@pytest.mark.django_db
def test_the_document_inline_offers_a_justificatif(client, demo, seed_convention):
    client.login(username="admin", password="demo")
    page = client.get(reverse("admin:conventions_convention_change", args=[seed_convention.pk])).content.decode()
    titles = _titles(page)
    assert "Modifier la convention d'objectifs | Administration" in " ".join(titles) or \
        any(t.startswith("Modifier la convention d'objectifs") for t in titles)
    assert "Ajouter un justificatif supplémentaire" in titles
    listing = _titles(client.get(reverse("admin:conventions_convention_changelist")).content.decode())
    assert any(t.startswith("Sélectionnez la convention d'objectifs à modifier") for t in listing)
    assert "Ajouter une convention d'objectifs" in [t.strip() for t in listing]


def _django(msgid, **names):
    """One of Django's own success messages, in its French catalogue, formatted as the admin does."""
    with override("fr"):
        return format_html(gettext(msgid), **names) if names else gettext(msgid)


def _plain(message) -> str:
    return html.unescape(str(message)).replace("\u00a0", " ")


def test_success_messages_name_the_model_with_its_article_and_agreement():
    added = _django("The {name} “{obj}” was added successfully.", name="convention d'objectifs", obj="AMP-2023")
    again = _django("You may edit it again below.")
    assert _plain(success_message(added + " " + again, "convention d'objectifs")) == (
        "La convention d'objectifs « AMP-2023 » a été ajoutée avec succès. Vous pouvez la modifier à nouveau ci-dessous.")
    another = _django("The {name} “{obj}” was added successfully. You may add another {name} below.",
                      name="avenant", obj="n° 1")
    assert _plain(success_message(another, "avenant")) == (
        "L'avenant « n° 1 » a été ajouté avec succès. Vous pouvez ajouter un autre avenant ci-dessous.")
    changed = _django("The {name} “{obj}” was changed successfully.", name="justificatif", obj="<b>RIB</b>")
    assert str(success_message(changed, "justificatif")).replace("\u00a0", " ") == (
        "Le justificatif « &lt;b&gt;RIB&lt;/b&gt; » a été modifié avec succès.")  # the name stays escaped
    with override("fr"):
        bulk = ngettext("%(count)s %(name)s was changed successfully.",
                        "%(count)s %(name)s were changed successfully.", 3) % {"count": 3, "name": "lignes"}
    assert success_message(bulk, "ligne budgétaire", "lignes budgétaires") == \
        "3 lignes budgétaires ont été modifiées avec succès."
    assert success_message("Budget validé.", "budget") == "Budget validé."


@pytest.mark.django_db
def test_the_admin_says_which_model_was_saved(client, demo):
    client.login(username="admin", password="demo")
    funder = Funder.objects.order_by("pk").first()
    url = reverse("admin:conventions_funder_change", args=[funder.pk])
    response = client.post(url, change_form_data(client.get(url), _continue="1"), follow=True)
    messages = [re.sub(r"<[^>]+>", "", _plain(m)) for m in response.context["messages"]]  # Django links the name
    assert messages == [f"La collectivité attribuante « {funder} » a été modifiée avec succès. "
                        "Vous pouvez la modifier à nouveau ci-dessous."]
