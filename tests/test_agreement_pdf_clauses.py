"""Clause templates: placeholders filled and escaped, versions, and one agreement's adjusted text."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.clauses.engine import clause_check, clause_render
from conventions.clauses.models import ClauseTemplate, ClauseTemplateSection, ConventionClause
from conventions.clauses.services import (
    clause_template_install,
    clause_template_new_version,
    clause_template_publish,
    convention_clause_update,
    convention_clauses_prepare,
)
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS, SectionInput
from conventions.models import Convention, Status
from conventions.services import convention_upsert
from dossier.printing.agreement import agreement_pdf_missing, agreement_pdf_render
from tests.factories import BudgetLineFactory, ConventionFactory, FunderFactory
from tests.pdf_helpers import pdf_text


def test_placeholders_are_filled_and_values_escaped():
    html = clause_render("Montant : **{{ amount }}** pour {{ beneficiary_name }}.",
                         {"amount": "66 000 €", "beneficiary_name": "<b>Jardins & Cie</b>"})
    assert html == "<p>Montant : <strong>66 000 €</strong> pour &lt;b&gt;Jardins &amp; Cie&lt;/b&gt;.</p>"


def test_markup_typed_in_a_clause_itself_is_escaped_too():
    html = clause_render('<img src="http://example.com/x.png"> & <script>alert(1)</script>', {})
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in html


def test_paragraphs_and_nested_bullets():
    html = clause_render("Intro :\n- un\n  - un bis\n- deux\n\nFin.", {})
    assert html == "<p>Intro :</p><ul><li>un<ul><li>un bis</li></ul></li><li>deux</li></ul><p>Fin.</p>"


@pytest.mark.parametrize(
    "source, message",
    [
        ("{% include 'secret.html' %}", "Balise non autorisée dans une clause : {% include %}."),
        ("{% load static %}", "Balise non autorisée dans une clause : {% load %}."),
        ("{% if amount %}sans fin", "Syntaxe invalide dans la clause"),
        ("{{ montant }}", "Donnée inconnue dans la clause : {{ montant }}."),
    ],
)
def test_a_clause_that_cannot_be_printed_is_refused_with_a_french_message(source, message):
    assert message in clause_check(source)


def test_every_default_clause_is_valid():
    for section in DEFAULT_SECTIONS:
        assert clause_check(section.title) is None, section.number
        assert clause_check(section.body) is None, section.number


def test_installing_the_same_model_twice_keeps_one_version(db):
    funder = FunderFactory()
    first = clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    again = clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    assert again.pk == first.pk and first.version == 1 and first.is_published
    changed = [*DEFAULT_SECTIONS[:-1], SectionInput("13", "Signatures", "Établie en trois exemplaires.")]
    second = clause_template_install(funder=funder, sections=changed, name=DEFAULT_NAME)
    assert second.version == 2
    assert ClauseTemplate.objects.current_for(funder) == second
    assert first.sections.get(number="13").body != second.sections.get(number="13").body


def test_a_published_version_is_not_published_twice_and_a_new_version_starts_as_a_draft(db):
    funder = FunderFactory()
    template = clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    with pytest.raises(ValidationError, match="déjà publiée"):
        clause_template_publish(template=template)
    draft = clause_template_new_version(template=template)
    assert draft.version == 2 and not draft.is_published
    assert draft.sections.count() == len(DEFAULT_SECTIONS)
    assert ClauseTemplate.objects.current_for(funder) == template
    clause_template_publish(template=draft)
    assert ClauseTemplate.objects.current_for(funder) == draft


def test_the_admin_shows_a_published_version_read_only_and_a_draft_editable(client, seed_convention):
    client.login(username="admin", password="demo")
    template = ClauseTemplate.objects.current_for(seed_convention.funder)
    page = client.get(reverse("admin:conventions_clausetemplate_change", args=[template.pk])).content.decode()
    assert "Objet de la convention" in page and 'name="sections-1-body"' not in page
    draft = clause_template_new_version(template=template)
    page = client.get(reverse("admin:conventions_clausetemplate_change", args=[draft.pk])).content.decode()
    assert 'name="sections-1-body"' in page and "{{ amount }}" in page


def test_the_adjusted_text_of_one_agreement_is_what_gets_printed(seed_convention):
    article_10 = seed_convention.clauses.get(number="10")
    convention_clause_update(clause=article_10, title="Intangibilité des clauses",
                             body="Clause propre à cette convention : {{ amount }} & <rien d'autre>.")
    text = pdf_text(agreement_pdf_render(seed_convention))
    assert "Clause propre à cette convention : 66 000 € & <rien d'autre>." in text
    other = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    assert "Clause propre" not in pdf_text(agreement_pdf_render(other))


def test_the_text_can_no_longer_be_adjusted_once_voted(seed_convention):
    Convention.objects.filter(pk=seed_convention.pk).update(status=Status.VOTED)
    article_10 = ConventionClause.objects.get(convention=seed_convention, number="10")
    with pytest.raises(ValidationError, match="Le texte de la convention ne peut plus être modifié : elle est « Votée »"):
        convention_clause_update(clause=article_10, title="Autre", body="Autre texte")
    article_10.refresh_from_db()
    assert article_10.title == "Intangibilité des clauses"


def test_an_invalid_adjustment_is_refused_on_its_field_and_nothing_is_saved(seed_convention):
    article_10 = seed_convention.clauses.get(number="10")
    with pytest.raises(ValidationError) as error:
        convention_clause_update(clause=article_10, title="Intangibilité", body="{{ montant_inconnu }}")
    assert "Donnée inconnue" in error.value.message_dict["body"][0]
    article_10.refresh_from_db()
    assert "{{" not in article_10.body


def test_preparing_the_text_copies_the_funders_current_version_once(seed_convention):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    clauses = convention_clauses_prepare(convention=convention)
    assert [c.number for c in clauses][:3] == ["preambule", "1", "2"]
    assert convention_clauses_prepare(convention=convention) == list(convention.clauses.all())
    assert ConventionClause.objects.filter(convention=convention).count() == ClauseTemplateSection.objects.filter(
        template=ClauseTemplate.objects.current_for(convention.funder)).count()


def test_the_admin_button_prepares_the_text_and_the_inline_edits_it(agent_client, seed_convention):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    change_url = reverse("admin:conventions_convention_change", args=[convention.pk])
    assert "Adapter le texte des articles" in agent_client.get(change_url).content.decode()
    response = agent_client.post(reverse("admin:conventions_convention_prepare_clauses", args=[convention.pk]))
    assert response.status_code == 302
    assert convention.clauses.count() == len(DEFAULT_SECTIONS)
    page = agent_client.get(change_url).content.decode()
    assert "Texte des articles" in page and "Adapter le texte des articles" not in page


def test_what_is_missing_is_listed_in_french(db):
    convention = ConventionFactory(objectives="")
    missing = agreement_pdf_missing(convention)
    assert any("Aucun modèle de clauses n'est publié" in m for m in missing)
    assert "Le budget prévisionnel (annexe I) n'est pas saisi." in missing
    assert "Les objectifs de l'article 1 ne sont pas saisis." in missing
    Convention.objects.filter(pk=convention.pk).update(status=Status.VOTED)
    convention.refresh_from_db()
    assert any("La délibération (instance, numéro et date) n'est pas complète (il manque l'instance, le numéro, "
               "la date)" in m
               for m in agreement_pdf_missing(convention))
    final = agreement_pdf_missing(convention, final=True)
    assert "La date de signature par l'association n'est pas renseignée." in final


def test_a_complete_small_agreement_can_be_printed(db):
    funder = FunderFactory()
    clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    convention = ConventionFactory(funder=funder, objectives="Animer un jardin partagé")
    line = BudgetLineFactory(budget__convention=convention, code="641", amount="50000")
    BudgetLineFactory(budget=line.budget, code="744", amount="10000", is_granting_funder=True)
    BudgetLineFactory(budget=line.budget, code="756", amount="40000")
    assert agreement_pdf_missing(convention) == []
    text = pdf_text(agreement_pdf_render(convention))
    assert "Animer un jardin partagé" in text and "participe à hauteur de 10 000 €, soit 20,00 %" in text
    assert "Budget non équilibré" not in text


def test_user_text_is_escaped_in_the_pdf(seed_convention):
    convention = convention_upsert(
        reference=seed_convention.reference,
        preamble='<b>Préambule</b> & <img src="http://example.com/espion.png">',
        objectives="<script>alert('x')</script>",
        action_programme="<h1>Programme</h1>",
    )
    text = pdf_text(agreement_pdf_render(convention))
    assert '<b>Préambule</b> & <img src="http://example.com/espion.png">' in text
    assert "<script>alert('x')</script>" in text
    assert "<h1>Programme</h1>" in text


def test_the_default_model_can_be_installed_for_a_funder_from_the_command_line(db):
    import io

    from django.core.management import CommandError, call_command

    funder = FunderFactory()
    out = io.StringIO()
    call_command("install_default_clauses", funder.siret, stdout=out)
    call_command("install_default_clauses", funder.siret, stdout=out)
    assert "version 1" in out.getvalue() and "version 2" not in out.getvalue()
    with pytest.raises(CommandError, match="Aucune collectivité n'a le SIRET 00000000000000."):
        call_command("install_default_clauses", "00000000000000")


def test_seed_demo_twice_keeps_one_template_version_and_the_adjusted_article_7(seed_convention):
    import io

    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert ClauseTemplate.objects.filter(funder=seed_convention.funder).count() == 1
    assert seed_convention.clauses.count() == len(DEFAULT_SECTIONS)
    assert "iCapital 2023" in seed_convention.clauses.get(number="7").body


def _post_with_clauses(convention, clauses, **changes):
    from tests.test_admin import _convention_post_data

    data = _convention_post_data(
        convention, period_start="01/01/2026", period_end="31/12/2026", amount_granted="32000,00",
        objectives=convention.objectives, title=convention.title,
    )
    data.update({"clauses-TOTAL_FORMS": str(len(clauses)), "clauses-INITIAL_FORMS": str(len(clauses))})
    for index, clause in enumerate(clauses):
        data.update({f"clauses-{index}-id": clause.pk, f"clauses-{index}-convention": convention.pk,
                     f"clauses-{index}-title": clause.title, f"clauses-{index}-body": clause.body})
        for field, value in changes.get(clause.number, {}).items():
            data[f"clauses-{index}-{field}"] = value
    return data


def test_an_agent_adjusts_an_article_in_the_admin_before_the_vote(agent_client, seed_convention):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    clauses = convention_clauses_prepare(convention=convention)
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    response = agent_client.post(url, _post_with_clauses(convention, clauses, **{"10": {"body": "Texte adapté : {{ amount }}."}}))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    article_10 = convention.clauses.get(number="10")
    assert article_10.body == "Texte adapté : {{ amount }}."
    assert article_10.history.first().history_user.username == "agent"
    assert "Texte adapté : 32 000 €." in pdf_text(agreement_pdf_render(convention))


def test_an_unknown_placeholder_typed_in_the_admin_is_refused_on_the_field(agent_client, seed_convention):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    clauses = convention_clauses_prepare(convention=convention)
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    response = agent_client.post(url, _post_with_clauses(convention, clauses, **{"10": {"body": "{{ montant }}"}}))
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is ConventionClause)
    errors = [form.errors for form in formset.formset.forms if form.errors]
    assert "Donnée inconnue dans la clause : {{ montant }}." in errors[0]["body"][0]
    assert "{{ montant }}" not in convention.clauses.get(number="10").body
