"""« de » and « à » before an association's name: one rule, ``core.french.with_preposition``."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from core.french import with_preposition


@pytest.mark.parametrize(("name", "of", "to"), [
    ("Les Amis du Vieux Port", "des Amis du Vieux Port", "aux Amis du Vieux Port"),
    ("Le Cercle", "du Cercle", "au Cercle"),
    ("Association Pôle SCS", "d'Association Pôle SCS", "à Association Pôle SCS"),
    ("Échanges", "d'Échanges", "à Échanges"),
    ("Harmonie", "d'Harmonie", "à Harmonie"),
    ("la Métropole", "de la Métropole", "à la Métropole"),
    ("Lesbos Danse", "de Lesbos Danse", "à Lesbos Danse"),
])
def test_preposition_before_a_name(name, of, to):
    assert with_preposition("de", name) == of
    assert with_preposition("à", name) == to


def test_template_filters_apply_the_same_rule():
    page = Template("{% load french %}L'espace {{ a|de }} ; écrire {{ b|a }}").render(
        Context({"a": "Les Amis du Vieux Port", "b": "Le Cercle"}))
    assert page == "L'espace des Amis du Vieux Port ; écrire au Cercle"


@pytest.mark.django_db
def test_portal_pages_contract_de_les(client, demo):
    from beneficiaries.models import Beneficiary
    Beneficiary.objects.filter(memberships__user__username="scs").update(name="Les Amis du Vieux Port")
    client.login(username="scs", password="demo")
    for url in (reverse("portal:home"), reverse("portal_campaigns:list")):
        page = client.get(url).content.decode()
        assert "des Amis du Vieux Port" in page, url
        assert "de Les Amis" not in page, url


def test_no_template_puts_de_or_a_before_a_name_by_hand():
    """« la candidature de Les Jardins partagés » in an email: every template that writes « de » or « à »
    before an association's or a funder's name goes through ``|de`` / ``|a``."""
    import re
    from pathlib import Path

    from django.conf import settings

    by_hand = re.compile(r"(?:\b(?:de|à)) \{\{ *[\w.]*(?:beneficiary|funder|publisher)[\w.]*\.(?:name|short_name) *\}\}")
    root = Path(settings.BASE_DIR)
    found = [f"{path.relative_to(root)}: {match.group(0)}"
             for path in root.glob("*/templates/**/*") if path.suffix in {".html", ".txt"}
             for match in by_hand.finditer(path.read_text(encoding="utf-8"))]
    found += [f"{path.relative_to(root)}: {match.group(0)}" for path in (root / "templates").glob("**/*")
              if path.suffix in {".html", ".txt"} for match in by_hand.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
