"""The pages the benchmark measures: fixed staff and finance pages, and every portal page found in the URLs.

Objects are taken from one of the first associations of the generated data (``member_number``),
which ``bench.generate`` builds identically at every scale (one random generator per association):
the same page shows the same rows on the small and on the large dataset, so only the size of the
tables differs.
"""

import itertools
from dataclasses import asdict, dataclass, field
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bench import plans
from bench.rows import member_username
from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetKind
from conventions.models import Amendment, AmendmentStatus, Convention, Status
from finance.models import PaymentRequest, PaymentStatus

AGENT, FINANCE = "bench-agent", "bench-finance"
SMALLEST_DATASET = 20  # associations in the small dataset of bench/pages.py
PORTAL_PREFIX = "portail/"
#: Agreement states tried in this order when a portal page needs an agreement (the richest first).
STATE_ORDER = [Status.JUSTIFICATION, Status.ACTIVE, Status.CLOSED, Status.SIGNED, Status.VOTED, Status.IN_REVIEW,
               Status.SUBMITTED, Status.DRAFT, Status.TERMINATED, Status.REFUSED, Status.CANCELLED]
KNOWN_TEXT_VALUES = {"fmt": ["xlsx", "csv", "ods", "pdf"], "format": ["xlsx", "csv", "pdf"],
                     "kind": [BudgetKind.FORECAST, BudgetKind.ACTUAL, "advance", "balance"]}
MAX_ATTEMPTS = 40


@dataclass
class Page:
    key: str
    group: str  # staff, finance, portal
    user: str
    url: str
    method: str = "GET"
    data: dict = field(default_factory=dict)
    is_list: bool = False
    heavy: bool = False  # PDF: fewer in-process repetitions

    def as_dict(self) -> dict:
        return asdict(self)


@cache
def member_number() -> int:
    """Return the association whose member's portal is measured.

    The first one, in generation order, with a signed amendment, so that every portal page has
    something to show; associations are generated alike at every scale, so it is the same one
    on the small and on the large dataset.
    """
    for number in range(1, SMALLEST_DATASET + 1):
        if Amendment.objects.filter(convention__beneficiary__siret=plans.siret_for(number),
                                    status=AmendmentStatus.SIGNED).exists():
            return number
    return 1


def member() -> str:
    return member_username(member_number())


def bench_beneficiary() -> Beneficiary:
    return Beneficiary.objects.get(siret=plans.siret_for(member_number()))


def staff_and_finance_pages() -> list[Page]:
    beneficiary = bench_beneficiary()
    convention = (Convention.objects.filter(beneficiary=beneficiary, status__in=[Status.CLOSED, Status.JUSTIFICATION])
                  .order_by("-fiscal_year").first())
    budget = Budget.objects.get(convention=convention, kind=BudgetKind.FORECAST)
    queue = PaymentRequest.objects.filter(
        status__in=[PaymentStatus.STAFF_APPROVED, PaymentStatus.FINANCE_APPROVED]
    ).order_by("pk")
    batch = [str(pk) for pk in queue.values_list("pk", flat=True)[:20]]
    changelist = "/admin/finance/paymentrequest/"
    return [
        Page("admin: agreement list", "staff", AGENT, "/admin/conventions/convention/", is_list=True),
        Page("admin: agreement change", "staff", AGENT, f"/admin/conventions/convention/{convention.pk}/change/"),
        Page("admin: budget change", "staff", AGENT, f"/admin/budgets/budget/{budget.pk}/change/"),
        Page("admin: association list", "staff", AGENT, "/admin/beneficiaries/beneficiary/", is_list=True),
        Page("admin: indicator report list", "staff", AGENT, "/admin/indicators/indicatorreport/", is_list=True),
        Page("finance: requests to process", "finance", FINANCE, f"{changelist}?a_traiter=finances", is_list=True),
        # Since issue 18 the request only queues the job (jobs/): the rendering is the worker's.
        Page("finance: batch PDF (20 requests), queued as a job", "finance", FINANCE, changelist, method="POST",
             data={"action": "download_pdf", "_selected_action": batch, "index": "0", "select_across": "0"}),
        Page("finance: CSV export (queue)", "finance", FINANCE, f"{changelist}?a_traiter=finances", method="POST",
             data={"action": "download_csv", "_selected_action": batch[:1], "index": "0", "select_across": "1"}),
    ]


def portal_patterns(patterns=None, prefix="", namespace="", converters=None):
    """Yield (full route, qualified URL name, converters) of every named URL under /portail/."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    for entry in patterns:
        route = prefix + str(entry.pattern)
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            if not (route.startswith(PORTAL_PREFIX) or PORTAL_PREFIX.startswith(route)):
                continue
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from portal_patterns(entry.url_patterns, route, inner, found)
        elif isinstance(entry, URLPattern) and entry.name and route.startswith(PORTAL_PREFIX):
            yield route, ":".join(filter(None, [namespace, entry.name])), found


def _related(convention: Convention, route: str, name: str) -> list[int]:
    """Return candidate primary keys for URL parameter ``name`` of ``route``, the likeliest first."""
    families = {
        "document": list(convention.documents.order_by("status", "pk").values_list("pk", flat=True)),
        "payment": list(convention.payment_requests.order_by("pk").values_list("pk", flat=True)),
        "budget": list(convention.budgets.order_by("kind").values_list("pk", flat=True)),
        "report": list(convention.indicator_reports.order_by("pk").values_list("pk", flat=True)),
        "amendment": list(convention.amendments.order_by("pk").values_list("pk", flat=True)),
        "recovery": list(convention.recoveries.order_by("pk").values_list("pk", flat=True)),
    }
    hints = {"document": ("document", "justificatif", "piece"), "payment": ("payment", "request", "versement", "demande"),
             "budget": ("budget",), "report": ("report", "indicat", "rapport"), "amendment": ("amendment", "avenant"),
             "recovery": ("recovery", "reversement")}
    text = f"{name} {route}".lower()
    order = sorted(families, key=lambda family: not any(h in text for h in hints[family]))
    return list(itertools.chain.from_iterable(families[family][:5] for family in order))


def _candidates(convention: Convention, route: str, name: str, converter) -> list | None:
    if name in ("convention_pk", "convention_id", "convention"):
        return [convention.pk]
    if name == "year":
        years = list(convention.indicator_reports.values_list("year", flat=True))
        return [convention.fiscal_year, *[y for y in years if y != convention.fiscal_year]]
    if type(converter).__name__ == "IntConverter":
        return _related(convention, route, name)
    return KNOWN_TEXT_VALUES.get(name)


def portal_pages(client, member_conventions) -> tuple[list[Page], list[tuple[str, str]]]:
    """Find a URL that answers 200 for every portal page; return the pages and what was skipped, with why.

    ``client`` is logged in as the member; pages are tried with the member's agreements in
    ``STATE_ORDER`` and, for other parameters, with the agreement's related objects.
    """
    by_state = {}
    for convention in member_conventions:
        by_state.setdefault(convention.status, convention)
    conventions = [by_state[s] for s in STATE_ORDER if s in by_state]
    pages, skipped = [], []
    for route, name, converters in sorted(portal_patterns(), key=lambda item: item[0]):
        last = "aucune URL essayée"
        attempts = 0
        found = None
        for convention in conventions if converters else conventions[:1]:
            options = {key: _candidates(convention, route, key, conv) for key, conv in converters.items()}
            missing = [key for key, values in options.items() if not values]
            if missing:
                last = f"paramètre sans valeur connue : {', '.join(missing)}"
                continue
            for values in itertools.product(*options.values()):
                attempts += 1
                url = reverse(name, kwargs=dict(zip(options, values, strict=True)))
                status = client.get(url).status_code
                if status == 200:
                    found = url
                    break
                last = f"{url} → {status}" + (" (POST seulement)" if status == 405 else "")
                if attempts >= MAX_ATTEMPTS:
                    break
            if found or attempts >= MAX_ATTEMPTS:
                break
        if found:
            response = client.get(found)
            heavy = response.get("Content-Type", "").startswith("application/pdf")
            pages.append(Page(f"portal: {name}", "portal", member(), found, is_list=name == "portal:home", heavy=heavy))
        else:
            skipped.append((name, last))
    return pages, skipped
