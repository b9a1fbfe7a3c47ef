"""The agreement as a PDF: what it needs, the context it is printed from, and the rendering.

The data is loaded once, in a fixed number of queries whatever the number of budget lines
(``agreement_data_load``). ``agreement_pdf_missing`` says in French what prevents printing;
``agreement_pdf_render`` refuses to print a document with holes. Figures come from
``budgets.rules``, formats from ``conventions.money`` and dates from Django's date filter.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Prefetch
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from budgets import annex as annexes
from budgets.models import BudgetKind, BudgetLine
from budgets.rules import (
    BudgetTotals,
    budget_totals,
    chapter_subtotals,
    combined_totals,
    eligible_expenses,
    yearly_forecast_totals,
)
from conventions.amounts import (
    base_share,
    forecast_eligible_expenses,
    share_is_of_base,
    yearly_schedule,
)
from conventions.clauses.engine import ClauseError, clause_render, unknown_placeholders
from conventions.clauses.models import ClauseTemplate
from conventions.clauses.services import TEXT_EDITABLE_STATES
from conventions.clauses.texts import DEFAULT_NAME
from conventions.deliberation import (
    deliberation_is_complete,
    deliberation_missing,
    deliberation_text,
)
from conventions.legality import legality_mention
from conventions.models import Convention, Status
from conventions.parties import beneficiary_signatory, funder_signatory
from conventions.references import (
    financial_rules_citation,
    legal_reference,
    reference_date,
    with_financial_rules,
)
from core.dates import french_date
from core.deadlines import fiscal_year_end, justification_due_date
from core.french import with_preposition
from core.money import HUNDRED, format_euros, format_percent, percent_of
from core.pdf import render_pdf
from dossier.printing.annexes import annex_placeholders, annex_reference_problems, attached_annexes
from indicators.annex import indicators_to_report, previous_figures
from indicators.models import IndicatorDefinition, IndicatorValue
from indicators.services import indicator_set_for

TEMPLATE = "conventions/pdf/agreement.html"
DRAFT_MARK = "PROJET"
UNSIGNED_COPY_MARK = "COPIE NON SIGNÉE"


class AgreementPdfIncomplete(ValueError):
    """Raised when the agreement lacks what its PDF needs; ``missing`` lists it in French."""

    def __init__(self, missing: list[str]):
        super().__init__("; ".join(missing))
        self.missing = missing


@dataclass
class AgreementData:
    """Everything the agreement's PDF prints, loaded in a fixed number of queries."""

    convention: Convention
    budget: object = None
    totals: BudgetTotals | None = None
    eligible: Decimal | None = None
    chapters: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    template_name: str = DEFAULT_NAME
    current_report: object = None
    indicator_set: object = None
    previous_reports: list = field(default_factory=list)
    definitions: list = field(default_factory=list)
    previous_values: list = field(default_factory=list)
    rendered: tuple | None = None  # render_sections' result, computed once
    annexes: list = field(default_factory=list)  # dossier.printing.annexes.attached_annexes
    years: object = None  # a multi-year agreement's yearly schedule (``conventions.amounts.yearly_schedule``)
    year_totals: dict = field(default_factory=dict)  # its yearly forecast budgets' totals, by year

    @property
    def has_budget(self) -> bool:
        return self.budget is not None and any(lines for _chapter, lines, _total in self.chapters)


def agreement_data_load(convention: Convention) -> AgreementData:
    """Load what the agreement's PDF needs: the same queries whatever the budget's size."""
    convention = with_financial_rules(Convention.objects.select_related("funder", "beneficiary")).get(pk=convention.pk)
    data = AgreementData(convention=convention)
    data.years = yearly_schedule(convention)
    if data.years:
        data.year_totals = yearly_forecast_totals(convention)
    lines = Prefetch("lines", queryset=BudgetLine.objects.in_chart_order())
    data.budget = convention.budgets.of_agreement().filter(kind=BudgetKind.FORECAST).prefetch_related(lines).first()
    if data.budget is not None:
        data.totals = budget_totals(data.budget)
        data.eligible = eligible_expenses(data.budget)
        data.chapters = annexes.chapters_with_lines(chapter_subtotals(data.budget), data.budget.lines.all())
    clauses = list(convention.clauses.select_related("source__template"))
    if clauses:
        data.sections = clauses
        source = next((c.source for c in clauses if c.source_id), None)
        data.template_name = source.template.name if source else DEFAULT_NAME
    else:
        template = ClauseTemplate.objects.current_for(convention.funder)
        if template is not None:
            data.sections = list(template.sections.all())
            data.template_name = template.name
    reports = sorted(convention.indicator_reports.select_related("indicator_set"), key=lambda r: (r.year, r.period_label))
    current = [r for r in reports if r.year == convention.fiscal_year]
    data.current_report = next((r for r in current if not r.period_label), current[0] if current else None)
    data.previous_reports = [r for r in reports if r.year < convention.fiscal_year]
    set_ids = {r.indicator_set_id for r in data.previous_reports}
    # Annex V prints the indicators the portal will ask for, even before the report is opened.
    data.indicator_set = data.current_report.indicator_set if data.current_report else indicator_set_for(convention)
    if data.indicator_set is not None:
        set_ids.add(data.indicator_set.pk)
    if set_ids:
        data.definitions = list(
            IndicatorDefinition.objects.filter(indicator_set_id__in=set_ids).order_by("indicator_set", "position", "pk")
        )
    if data.previous_reports:
        data.previous_values = list(IndicatorValue.objects.filter(report__in=data.previous_reports))
    data.annexes = attached_annexes(data)
    return data


def clause_context(data: AgreementData) -> dict:
    """Return the values clauses may print (``clause_engine.PLACEHOLDERS``), formatted."""
    convention, funder = data.convention, data.convention.funder
    amount = convention.amount_granted
    cap = Decimal(convention.advance_cap_percent if convention.advance_cap_percent is not None else funder.advance_cap_percent)
    day = reference_date(convention)
    of_base = share_is_of_base(convention, data.eligible)
    totals = data.totals
    if data.years:  # the total of the years, against the budgets of all its years (unknown while one lacks)
        years = [line.year for line in data.years.lines]
        known = [data.year_totals[y] for y in years if y in data.year_totals]
        totals = combined_totals(known) if len(known) == len(years) else None
    if amount is None:  # no share of an amount not given
        share = share_with = None
    elif of_base:
        share, share_with = base_share(convention, amount), None
    else:
        share = totals.funder_share(amount) if totals else None
        share_with = totals.funder_share_with_in_kind(amount) if totals else None
    return {
        "funder_name": funder.name,
        "funder": funder.short_name,
        "funder_of": with_preposition("de", funder.short_name),
        "funder_to": with_preposition("à", funder.short_name),
        "beneficiary_name": convention.beneficiary.name,
        "beneficiary": "l'association",
        "fiscal_year": str(convention.fiscal_year),
        "period_start": french_date(convention.period_start),
        "period_end": french_date(convention.period_end),
        "action_title": convention.action_title,
        "amount": format_euros(amount),
        "amount_is_maximum": "oui" if convention.amount_is_maximum else "",
        "eligible_expenses": format_euros(forecast_eligible_expenses(convention, data.eligible)),
        "share_of_base": "oui" if of_base else "",
        "total_with_in_kind": format_euros(data.totals.total_charges if data.totals else None),
        "share": format_percent(share),
        "share_with_in_kind": format_percent(share_with),
        "advance_cap": format_percent(cap / HUNDRED, places=0 if cap == cap.to_integral_value() else 2),
        "advance_cap_amount": format_euros(None if amount is None else percent_of(amount, cap)),
        "deliberation": deliberation_text(convention),
        "financial_rules_reference": financial_rules_citation(convention)
        or f"règlement budgétaire et financier {with_preposition('de', funder.short_name)}",
        "accounting_regulation": legal_reference("accounting_regulation", day),
        "budget_imputation": funder.budget_imputation,
        "fiscal_year_end": french_date(fiscal_year_end(convention)),
        "justification_deadline": french_date(justification_due_date(convention)),
        "court_name": funder.court_name,
        "court_address": funder.court_address,
        "signature_place": funder.signature_place,
        "preamble": convention.preamble,
        "objectives": convention.objectives_list(),
        "programme_summary": convention.programme_summary_list(),
        **annex_placeholders(data.annexes),
    }


def has_deliberation(convention: Convention) -> bool:
    """Return True when the deliberation is complete (``conventions.deliberation``: no placeholder)."""
    return deliberation_is_complete(convention)


@dataclass
class RenderedSection:
    number: str
    anchor: str
    heading: str
    body: str
    subsections: list = field(default_factory=list)


def render_sections(data: AgreementData) -> tuple[RenderedSection | None, list[RenderedSection], list[str]]:
    """Render the preamble and the articles (with their sub-articles); return the problems found."""
    if data.rendered is None:
        data.rendered = _render_sections(data)
    return data.rendered


def _render_sections(data: AgreementData):
    context = clause_context(data)
    preamble, articles, problems = None, [], []
    for section in data.sections:
        try:
            title = clause_render(section.title, context, blocks=False)
            body = clause_render(section.body, context)
        except ClauseError as error:
            problems.append(f"{section.heading} : {error}")  # error is already French
            continue
        problems += annex_reference_problems(section.heading, title + " " + body, data.annexes)
        unknown = unknown_placeholders(title + body)
        if unknown:
            names = ", ".join(dict.fromkeys(unknown))
            problems.append(_("%(heading)s : donnée inconnue (%(names)s).") % {"heading": section.heading, "names": names})
        if section.is_preamble:
            preamble = RenderedSection(section.number, "preambule", title, body)
            continue
        pattern = "Article {} : {}" if section.is_article else "{} {}"
        heading = format_html(pattern, section.number, title)
        rendered = RenderedSection(section.number, "article-" + section.number.replace(".", "-"), heading, body)
        parent = section.number.split(".")[0]
        if not section.is_article and articles and articles[-1].number == parent:
            articles[-1].subsections.append(rendered)
        else:
            articles.append(rendered)
    return preamble, articles, problems


def agreement_pdf_missing(convention: Convention, *, final: bool = False, data: AgreementData | None = None) -> list[str]:
    """Return, in French, what the agreement lacks for its PDF (empty when it can be printed).

    From the vote on, the deliberation is required; for the final, signed print (``final``),
    the signatories and both signature dates too.
    """
    data = data or agreement_data_load(convention)
    convention = data.convention
    missing = []
    if not data.sections:
        missing.append(_("Aucun modèle de clauses n'est publié pour %(funder)s : publiez-en un avant d'imprimer.")
                       % {"funder": convention.funder})
    if (data.budget is None or not data.has_budget) and convention.eligible_base is None:
        missing.append(_("Le budget prévisionnel (annexe I) n'est pas saisi."))
    if convention.amount_granted is None:
        missing.append(_("Le montant attribué n'est pas renseigné."))
    elif not convention.amount_granted:
        missing.append(_("Le montant attribué est de 0 € : indiquez le montant proposé au vote."))
    if not convention.objectives_list():
        missing.append(_("Les objectifs de l'article 1 ne sont pas saisis."))
    if (final or convention.status not in TEXT_EDITABLE_STATES) and not has_deliberation(convention):
        missing.append(_("La délibération (instance, numéro et date) n'est pas complète (il manque %(missing)s) : "
                         "elle est nécessaire pour imprimer la convention votée.")
                       % {"missing": ", ".join(deliberation_missing(convention))})
    if final:
        for value, message in (
            (convention.beneficiary_signatory, _("Le nom du signataire pour l'association n'est pas renseigné.")),
            (convention.beneficiary_signed_on, _("La date de signature par l'association n'est pas renseignée.")),
            (convention.funder_signatory, _("Le nom du signataire pour la collectivité n'est pas renseigné.")),
            (convention.funder_signed_on, _("La date de signature par la collectivité n'est pas renseignée.")),
        ):
            if not value:
                missing.append(message)
    if data.sections:
        missing += render_sections(data)[2]
    return missing


def _mark(convention: Convention, final: bool) -> str:
    if final:
        return ""
    if convention.status in TEXT_EDITABLE_STATES or convention.status in (Status.REFUSED, Status.CANCELLED):
        return DRAFT_MARK
    return "" if convention.status == Status.VOTED else UNSIGNED_COPY_MARK


def signature_block(convention: Convention) -> dict:
    """Return the signature block: each side's signatory as ``conventions.parties`` resolves it."""
    sides = []
    for signatory, signed_on in ((beneficiary_signatory(convention), convention.beneficiary_signed_on),
                                 (funder_signatory(convention), convention.funder_signed_on)):
        sides.append({"side": signatory.side, "delegation": signatory.delegation_line, "title": signatory.title,
                      "name": signatory.name, "date": french_date(signed_on)})
    return {"place": convention.funder.signature_place, "sides": sides}


def document_title(convention: Convention, data: "AgreementData") -> str:
    """Return the document's title: the agreement's own, or the name of its clause template (as before)."""
    return convention.document_title.strip() or data.template_name


def schedule_anchor(data: AgreementData) -> str:
    """Return the anchor of the article that states the amount (« Participation de la Métropole »):
    a multi-year agreement prints its yearly schedule there."""
    section = next((s for s in data.sections if not s.is_preamble and "{{ amount" in s.body), None)
    return "article-" + section.number.replace(".", "-") if section else ""


def agreement_pdf_context(data: AgreementData, *, final: bool = False) -> dict:
    """Return the context of ``conventions/pdf/agreement.html``."""
    convention = data.convention
    preamble, articles, _problems = render_sections(data)
    beneficiary = convention.beneficiary
    previous = [
        (report, previous_figures(report, data.definitions, data.previous_values))
        for report in data.previous_reports
    ]
    current = data.current_report
    return {
        "convention": convention,
        "funder": convention.funder,
        "beneficiary": beneficiary,
        "mark": _mark(convention, final),
        "title": document_title(convention, data),
        "document_number": convention.document_number.strip(),
        "logo_uri": logo_uri_of(convention.funder),
        "deliberation": deliberation_text(convention),
        "funder_representative": funder_signatory(convention).represented_by(),
        "beneficiary_representative": beneficiary_signatory(convention).represented_by(),
        "legality": legality_mention(convention),
        "preamble": preamble,
        "articles": articles,
        "annexes": data.annexes,
        "annex": {annex.key: annex for annex in data.annexes},
        "signatures": signature_block(convention),
        "budget": data.budget,
        "budget_annex": annexes.budget_annex(data.chapters, data.totals) if data.totals else None,
        "in_kind_resources": annexes.in_kind_resources(data.chapters),
        "previous": previous,
        "current_report": current,
        "indicator_set": data.indicator_set,
        "indicators": indicators_to_report(data.indicator_set, data.definitions) if data.indicator_set else [],
        "certified_on": french_date(data.budget.certified_on) if data.budget else "",
        "eligible_base": format_euros(convention.eligible_base) if share_is_of_base(convention, data.eligible) else "",
        "years": data.years,
        "year_rows": [(line, format_percent(data.year_totals[line.year].funder_share(line.amount))
                       if line.year in data.year_totals and line.amount is not None else "—")
                      for line in data.years.lines] if data.years else [],
        "schedule_anchor": schedule_anchor(data) if data.years else "",
    }


def logo_uri_of(funder) -> str:
    """Return the ``file://`` URI of the funder's uploaded logo, or "" when there is none."""
    if not funder.logo:
        return ""
    try:
        path = Path(funder.logo.path)
    except (NotImplementedError, ValueError):
        return ""
    return path.resolve().as_uri() if path.is_file() else ""


def agreement_pdf_render(convention: Convention, *, final: bool = False, data: AgreementData | None = None) -> bytes:
    """Render the agreement's PDF from current data; refuse when something it needs is missing."""
    data = data or agreement_data_load(convention)
    missing = agreement_pdf_missing(data.convention, final=final, data=data)
    if missing:
        raise AgreementPdfIncomplete(missing)
    with translation.override("fr"):
        return render_pdf(TEMPLATE, agreement_pdf_context(data, final=final))
