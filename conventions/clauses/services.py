"""Writes on clause templates and on one agreement's adjusted text."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from conventions.clauses.models import (
    ClauseTemplate,
    ClauseTemplateSection,
    ConventionClause,
    FinancialRulesVersion,
)
from conventions.clauses.texts import SectionInput
from conventions.models import Convention, Funder, Status

#: The agreement's text can be adjusted until the vote, never after.
TEXT_EDITABLE_STATES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW})


def convention_text_is_editable(convention: Convention) -> bool:
    return convention.status in TEXT_EDITABLE_STATES


def _check_sections(sections) -> None:
    for section in sections:
        section.full_clean(exclude=["template", "convention", "source"])


def _section_key(section) -> tuple[str, str, str]:
    return (section.number, section.title, section.body)


@transaction.atomic
def clause_template_install(*, funder: Funder, sections: list[SectionInput], name: str, note: str = "",
                            user=None) -> ClauseTemplate:
    """Publish ``sections`` as the funder's current version, unless it already says exactly that.

    Idempotent: the latest published version is returned unchanged when its sections are the
    same; otherwise a new version is created and published.
    """
    current = ClauseTemplate.objects.current_for(funder)
    wanted = [(s.number, s.title, s.body) for s in sections]
    if current and current.name == name and [_section_key(s) for s in current.sections.all()] == wanted:
        return current
    last = funder.clause_templates.aggregate(last=Max("version"))["last"] or 0
    template = ClauseTemplate.objects.create(funder=funder, version=last + 1, name=name, note=note)
    objs = [
        ClauseTemplateSection(template=template, number=s.number, title=s.title, body=s.body, position=index * 10)
        for index, s in enumerate(sections, start=1)
    ]
    _check_sections(objs)
    bulk_create_with_history(objs, ClauseTemplateSection, default_user=user)
    return clause_template_publish(template=template, user=user)


@transaction.atomic
def clause_template_publish(*, template: ClauseTemplate, user=None) -> ClauseTemplate:
    """Publish a draft version: from then on its text never changes."""
    if template.is_published:
        raise ValidationError(_("Cette version est déjà publiée : créez-en une nouvelle pour modifier le texte."))
    sections = list(template.sections.all())
    if not sections:
        raise ValidationError(_("Une version sans clause ne peut pas être publiée."))
    _check_sections(sections)
    template.published_at = timezone.now()
    template.published_by = user
    template._history_user = user
    template.save(update_fields=["published_at", "published_by"])
    return template


@transaction.atomic
def clause_template_new_version(*, template: ClauseTemplate, user=None) -> ClauseTemplate:
    """Copy ``template`` into a new draft version of the same funder, to be edited then published."""
    last = ClauseTemplate.objects.filter(funder_id=template.funder_id).aggregate(last=Max("version"))["last"]
    draft = ClauseTemplate(funder_id=template.funder_id, version=last + 1, name=template.name)
    draft._history_user = user
    draft.save()
    bulk_create_with_history(
        [ClauseTemplateSection(template=draft, number=s.number, title=s.title, body=s.body, position=s.position)
         for s in template.sections.all()],
        ClauseTemplateSection, default_user=user,
    )
    return draft


def ensure_text_editable(convention: Convention) -> None:
    """Refuse any change to the agreement's text once it has been voted."""
    if not convention_text_is_editable(convention):
        raise ValidationError(
            _("Le texte de la convention ne peut plus être modifié : elle est « %(status)s ». "
              "Après la signature, seul un avenant peut la modifier.")
            % {"status": convention.get_status_display()}
        )


@transaction.atomic
def convention_clauses_prepare(*, convention: Convention, user=None) -> list[ConventionClause]:
    """Copy the funder's current clause template into the agreement, to adjust it until the vote.

    Returns the agreement's clauses unchanged when it already has them.
    """
    existing = list(convention.clauses.all())
    if existing:
        return existing
    ensure_text_editable(convention)
    template = ClauseTemplate.objects.current_for(convention.funder)
    if template is None:
        raise ValidationError(
            _("Aucun modèle de clauses n'est publié pour %(funder)s.") % {"funder": convention.funder}
        )
    clauses = [
        ConventionClause(convention=convention, source=s, number=s.number, title=s.title, body=s.body,
                         position=s.position)
        for s in template.sections.all()
    ]
    return bulk_create_with_history(clauses, ConventionClause, default_user=user)


@transaction.atomic
def convention_clause_update(*, clause: ConventionClause, title: str, body: str, user=None) -> ConventionClause:
    """Change the title and text of one article of one agreement, before the vote only."""
    convention = Convention.objects.select_for_update().get(pk=clause.convention_id)
    ensure_text_editable(convention)
    clause.title, clause.body = title, body
    clause.full_clean(exclude=["convention", "source"])
    clause._history_user = user
    clause.save(update_fields=["title", "body"])
    return clause


@transaction.atomic
def financial_rules_version_upsert(*, funder: Funder, reference: str, valid_from, valid_until=None,
                                   user=None) -> FinancialRulesVersion:
    """Record the funder's financial rules in force from ``valid_from`` (idempotent on that date), audited."""
    version = FinancialRulesVersion.objects.filter(funder=funder, valid_from=valid_from).first()
    if version is not None and (version.reference, version.valid_until) == (reference, valid_until):
        return version
    version = version or FinancialRulesVersion(funder=funder, valid_from=valid_from)
    version.reference, version.valid_until = reference, valid_until
    version.full_clean()
    version._history_user = user
    version._change_reason = _("Version du règlement financier en vigueur à partir du %(day)s") % {"day": valid_from}
    version.save()
    return version
