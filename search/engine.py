"""The staff search: what the header's « Rechercher » box finds, grouped by kind.

Each kind says which columns are words (names, titles: accent- and case-insensitive, full-text
on PostgreSQL) and which are identifiers (SIRET, RNA: compared without the spaces and dots they
were typed with, ``beneficiaries.identifiers.normalize_identifier``). A kind the user may not
view in the admin is not searched. Each group costs one query, two when it is full (its total).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Model, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beneficiaries.identifiers import normalize_identifier
from beneficiaries.models import Beneficiary
from campaigns.models import Application
from conventions.models import Convention
from deliberations.models import Deliberation
from documents.models import Document, DocumentKind
from search.text import Folded, Unaccent, fold

MIN_LENGTH = 2
#: How many results a group shows; the rest are counted and reached through the changelist.
GROUP_LIMIT = 20
FULL_TEXT_CONFIG = "french"


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str
    parent: str = ""  # the agreement a document belongs to
    parent_url: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    model: type[Model]
    words: tuple[str, ...]
    describe: Callable[[Model], tuple[str, str]]
    identifiers: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    order: tuple[str, ...] = ("pk",)
    #: Extra matches computed from the query (a document's kind, matched on its French label).
    also: Callable[[str], Q] | None = None
    parent: Callable[[Model], Model | None] = field(default=lambda obj: None)


@dataclass(frozen=True)
class Group:
    kind: Kind
    hits: list[Hit]
    total: int
    more_url: str

    @property
    def more(self) -> int:
        return self.total - len(self.hits)


def _association(obj):
    name = f"{obj.name} ({obj.acronym})" if obj.acronym and obj.acronym != obj.name else obj.name
    details = [f"SIRET {obj.siret}" if obj.siret else "", f"RNA {obj.rna}" if obj.rna else "", obj.city]
    return name, " · ".join(d for d in details if d)


def _agreement(obj):
    return f"{obj.reference} — {obj.title}", f"{obj.beneficiary.name} · {obj.fiscal_year}"


def _deliberation(obj):
    return str(obj), obj.subject


def _document(obj):
    title = obj.get_kind_display() + (f" {obj.year}" if obj.year else "")
    file_name = obj.file.name.rsplit("/", 1)[-1] if obj.file else str(_("aucun fichier déposé"))
    return title, f"{file_name} · {obj.get_status_display()}"


def _application(obj):
    return obj.action_title, f"{obj.beneficiary.name} · {obj.campaign.title}"


def _document_kinds(folded: str) -> Q:
    kinds = [value for value, label in DocumentKind.choices if folded in fold(label)]
    return Q(kind__in=kinds) if kinds else Q(pk__in=[])


KINDS = (
    Kind("associations", _("Associations"), Beneficiary, words=("name", "acronym"),
         identifiers=("siret", "rna"), describe=_association, order=("name",)),
    Kind("agreements", _("Conventions"), Convention, words=("reference", "title"), describe=_agreement,
         related=("beneficiary",), order=("-fiscal_year", "reference")),
    Kind("deliberations", _("Délibérations"), Deliberation, words=("number", "subject"), describe=_deliberation,
         order=("-session_date", "number")),
    Kind("documents", _("Justificatifs"), Document, words=("file",), describe=_document, also=_document_kinds,
         related=("convention",), order=("convention__reference", "due_on", "kind"),
         parent=lambda obj: obj.convention),
    Kind("applications", _("Candidatures"), Application, words=("action_title",), describe=_application,
         related=("beneficiary", "campaign"), order=("-pk",)),
)


def query_is_long_enough(query: str) -> bool:
    return len(query.strip()) >= MIN_LENGTH


def _matching(kind: Kind, query: str) -> QuerySet:
    """The rows of ``kind`` matching ``query``, best first on PostgreSQL (full-text rank)."""
    folded = fold(query.strip())
    queryset = kind.model._default_manager.select_related(*kind.related)
    condition = Q(pk__in=[])
    for index, name in enumerate(kind.words):
        queryset = queryset.alias(**{f"folded_{index}": Folded(F(name))})
        condition |= Q(**{f"folded_{index}__contains": folded})
    identifier = normalize_identifier(query)  # « 812 345 678 » → « 812345678 », « w13… » → « W13… »
    if identifier.isalnum() and any(char.isdigit() for char in identifier):
        for name in kind.identifiers:
            condition |= Q(**{f"{name}__contains": identifier})
    if kind.also:
        condition |= kind.also(folded)
    order = kind.order
    if connection.vendor == "postgresql":
        # Full-text on top of the folded substring: stems and words in any order
        # (« associations culturelles » finds « Association culturelle de … »).
        vector = SearchVector(*(Unaccent(F(name)) for name in kind.words), config=FULL_TEXT_CONFIG)
        text_query = SearchQuery(folded, config=FULL_TEXT_CONFIG, search_type="websearch")
        queryset = queryset.alias(document=vector).annotate(rank=SearchRank(F("document"), text_query))
        condition |= Q(document=text_query)
        order = ("-rank", *order)
    return queryset.filter(condition).order_by(*order)


def _hit(kind: Kind, obj: Model) -> Hit:
    title, detail = kind.describe(obj)
    opts = obj._meta
    parent = kind.parent(obj)
    return Hit(
        title=title, detail=detail, url=reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
        parent=str(parent.reference) if parent else "",
        parent_url=reverse("admin:conventions_convention_change", args=[parent.pk]) if parent else "",
    )


def visible_kinds(request) -> list[Kind]:
    """The kinds whose admin the user may view (an agent without finance rights sees no more)."""
    kinds = []
    for kind in KINDS:
        model_admin = admin.site.get_model_admin(kind.model) if admin.site.is_registered(kind.model) else None
        if model_admin and model_admin.has_view_permission(request):
            kinds.append(kind)
    return kinds


def search(request, query: str, *, limit: int = GROUP_LIMIT) -> list[Group]:
    """The groups with at least one result for ``query``, in the order of ``KINDS``."""
    if not query_is_long_enough(query):
        return []
    groups = []
    for kind in visible_kinds(request):
        rows = list(_matching(kind, query)[: limit + 1])
        if not rows:
            continue
        total = len(rows) if len(rows) <= limit else _matching(kind, query).count()
        opts = kind.model._meta
        more_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode({"q": query})
        groups.append(Group(kind=kind, hits=[_hit(kind, obj) for obj in rows[:limit]], total=total,
                            more_url=more_url))
    return groups
