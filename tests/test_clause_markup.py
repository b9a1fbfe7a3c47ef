"""A clause never writes raw HTML into the agreement: refused when saved, and again when printed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.clauses.engine import clause_render
from conventions.clauses.models import ClauseTemplate, ClauseTemplateSection, ConventionClause
from conventions.clauses.services import (
    clause_template_install,
    clause_template_new_version,
    convention_clause_update,
    convention_clauses_prepare,
)
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS, SectionInput
from dossier.printing.agreement import (
    AgreementPdfIncomplete,
    agreement_pdf_missing,
    agreement_pdf_render,
)
from tests.admin_forms import change_form_data
from tests.factories import ConventionFactory, FunderFactory

FILTER_REFUSED = "Filtre non autorisé dans une clause : « |{} »."
TAG_REFUSED = "Balise non autorisée dans une clause : {{% {} %}}."
QUOTED_REFUSED = "Texte entre guillemets non autorisé dans une donnée ou une balise : « {} »"

#: Every way of writing raw HTML with Django's template language, and its French refusal.
RAW_HTML = [
    ("{{ preamble|safe }}", FILTER_REFUSED.format("safe")),
    ("{{ preamble|capfirst|safe }}", FILTER_REFUSED.format("safe")),
    ("{% for objective in objectives|safeseq %}- {{ objective }}\n{% endfor %}", FILTER_REFUSED.format("safeseq")),
    ("{% with text=preamble|safe %}{{ text }}{% endwith %}", FILTER_REFUSED.format("safe")),
    ("{% firstof preamble|safe amount %}", FILTER_REFUSED.format("safe")),
    ("{% if preamble|safe %}oui{% endif %}", FILTER_REFUSED.format("safe")),
    ('{{ preamble|json_script:"donnees" }}', FILTER_REFUSED.format("json_script")),
    ("{{ preamble|linebreaks }}", FILTER_REFUSED.format("linebreaks")),
    ("{% autoescape off %}{{ preamble }}{% endautoescape %}", TAG_REFUSED.format("autoescape")),
    ("{% filter safe %}{{ preamble }}{% endfilter %}", TAG_REFUSED.format("filter")),
    ("{% debug %}", TAG_REFUSED.format("debug")),
    ('{% include "admin/base.html" %}', TAG_REFUSED.format("include")),
    ('{{ preamble|default:"<img src=http://example.com/espion.png>" }}',
     QUOTED_REFUSED.format("<img src=http://example.com/espion.png>")),
    ('{{ "<b>gras</b>" }}', QUOTED_REFUSED.format("<b>gras</b>")),
    ('{{ _("<b>gras</b>") }}', QUOTED_REFUSED.format("<b>gras</b>")),
    ('{% firstof "<script>alert(1)</script>" %}', QUOTED_REFUSED.format("<script>alert(1)</script>")),
    ('{% for objective in objectives %}{{ objective }}{% empty %}{{ "&nbsp;" }}{% endfor %}', QUOTED_REFUSED.format("&nbsp;")),
]


@pytest.fixture
def convention(db):
    funder = FunderFactory()
    clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    convention = ConventionFactory(funder=funder, objectives="Animer un jardin partagé")
    convention_clauses_prepare(convention=convention)
    return convention


@pytest.mark.parametrize("body, message", RAW_HTML)
def test_the_agreements_text_refuses_raw_html_and_nothing_is_saved(convention, body, message):
    article = convention.clauses.get(number="10")
    with pytest.raises(ValidationError) as error:
        convention_clause_update(clause=article, title="Intangibilité", body=body)
    assert message in error.value.message_dict["body"][0]
    article.refresh_from_db()
    assert article.title == "Intangibilité des clauses"


@pytest.mark.parametrize("body, message", RAW_HTML)
def test_a_model_agreement_with_raw_html_is_not_published(db, body, message):
    funder = FunderFactory()
    with pytest.raises(ValidationError) as error:
        clause_template_install(funder=funder, name=DEFAULT_NAME,
                                sections=[*DEFAULT_SECTIONS[:-1], SectionInput("13", "Signatures", body)])
    assert message in error.value.message_dict["body"][0]
    assert not ClauseTemplate.objects.filter(funder=funder).exists()


@pytest.mark.parametrize("body, message", RAW_HTML)
def test_the_admin_form_of_a_draft_model_refuses_raw_html_on_the_field(admin_client, body, message):
    published = clause_template_install(funder=FunderFactory(), sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    draft = clause_template_new_version(template=published)
    url = reverse("admin:conventions_clausetemplate_change", args=[draft.pk])
    data = change_form_data(admin_client.get(url), **{"sections-1-body": body})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is ClauseTemplateSection)
    assert message in formset.formset.forms[1].errors["body"][0]
    assert draft.sections.get(number=data["sections-1-number"]).body == published.sections.get(
        number=data["sections-1-number"]).body


def test_plain_quoted_text_and_the_wording_filters_still_work():
    html = clause_render('{{ beneficiary|capfirst }} : {{ preamble|default:"sans préambule" }}, '
                         '{{ objectives|join:" ; " }}', {"beneficiary": "l'association <b>",
                                                        "preamble": "", "objectives": ["un", "<deux>"]})
    assert html == "<p>L&#x27;association &lt;b&gt; : sans préambule, un ; &lt;deux&gt;</p>"


def test_a_stored_clause_with_raw_html_is_refused_when_printed(agent_client, convention):
    # Written before the check existed: stored as it was, never validated again.
    ConventionClause.objects.filter(convention=convention, number="10").update(
        body="{{ preamble|safe }} et texte")
    convention.preamble = "<img src=http://example.com/espion.png>"
    convention.save()
    refusal = "Article 10 : Intangibilité des clauses : " + FILTER_REFUSED.format("safe")
    assert any(refusal in problem for problem in agreement_pdf_missing(convention))
    with pytest.raises(AgreementPdfIncomplete):
        agreement_pdf_render(convention)
    page = agent_client.get(reverse("admin:conventions_convention_pdf", args=[convention.pk]))
    assert page.status_code == 200 and refusal in page.content.decode()
    assert "<img src=http" not in page.content.decode()
