"""In-process measurements with Django's test client: queries per page and warm latency.

Run by ``bench/pages.py`` in a subprocess per database (``python -m bench.inprocess``), with
``DJANGO_SETTINGS_MODULE=bench.settings`` and ``DATABASE_URL`` set; writes JSON.
"""

import argparse
import json
import logging
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()
for _noisy in ("weasyprint", "fontTools", "axes"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench import targets  # noqa: E402
from bench.generate import counts, database_is_empty  # noqa: E402

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def call(client: Client, page: targets.Page):
    response = client.post(page.url, page.data) if page.method == "POST" else client.get(page.url)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, len(body), response.get("Content-Type", "")


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(client: Client, page: targets.Page, repetitions: int) -> dict:
    call(client, page)  # warm: caches, connection, templates
    with CaptureQueriesContext(connection) as captured:
        status, size, content_type = call(client, page)
    result = {**page.as_dict(), "status": status, "bytes": size, "content_type": content_type,
              "queries": len(captured.captured_queries),
              "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1)}
    count = max(3, repetitions // 6) if page.heavy else repetitions
    if repetitions:
        timings, cpu = [], []
        for _ in range(count):
            started, started_cpu = time.perf_counter(), time.process_time()
            call(client, page)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        # CPU time of this process (Python only, not the database's): less sensitive to a busy machine.
        result.update(n=count, p50_ms=round(statistics.median(timings), 1), p95_ms=round(percentile(timings, 0.95), 1),
                      cpu_p50_ms=round(statistics.median(cpu), 1))
    return result


def clients() -> dict[str, Client]:
    users = get_user_model().objects.filter(username__in=[targets.AGENT, targets.FINANCE, targets.member()])
    result = {}
    for user in users:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend=MODEL_BACKEND)
        result[user.username] = client
    return result


def pages(member_client: Client) -> tuple[list[targets.Page], list]:
    member_conventions = targets.bench_beneficiary().conventions.order_by("-fiscal_year")
    portal, skipped = targets.portal_pages(member_client, member_conventions)
    return targets.staff_and_finance_pages() + portal, skipped


def sessions() -> dict[str, dict]:
    """Open a session for each benchmark user, as a login would, and return their cookies."""
    result = {}
    for user in get_user_model().objects.filter(username__in=[targets.AGENT, targets.FINANCE, targets.member()]):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = MODEL_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result[user.username] = {settings.SESSION_COOKIE_NAME: session.session_key,
                                 settings.CSRF_COOKIE_NAME: get_random_string(32)}
    return result


def database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def find_page(logged: dict, key: str) -> targets.Page:
    found = pages(logged[targets.member()])[0]
    matches = [page for page in found if key in page.key]
    if not matches:
        raise SystemExit(f"Aucune page ne correspond à « {key} » : " + ", ".join(p.key for p in found))
    return matches[0]


def profile(key: str) -> None:
    """Print where 5 warm requests of a page spend their time (pyinstrument)."""
    from pyinstrument import Profiler

    logged = clients()
    page = find_page(logged, key)
    call(logged[page.user], page)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(5):
            call(logged[page.user], page)
    print(profiler.output_text(unicode=True, color=False))
    print("Functions by own time (flat):")
    print("\n".join(profiler.output_text(unicode=True, color=False, flat=True).splitlines()[:45]))


def show_queries(key: str) -> None:
    """Print a page's SQL, slowest first, and on PostgreSQL the plan of the slowest (EXPLAIN ANALYZE)."""
    logged = clients()
    page = find_page(logged, key)
    call(logged[page.user], page)
    with CaptureQueriesContext(connection) as captured:
        call(logged[page.user], page)
    queries = captured.captured_queries
    print(f"{page.key}: {len(queries)} requêtes, {sum(float(q['time']) for q in queries) * 1000:.1f} ms côté client")
    plans = {}
    if connection.vendor == "postgresql":
        # The server's own execution time (EXPLAIN ANALYZE) is steadier than the client's on a busy machine.
        with connection.cursor() as cursor:
            for index, query in enumerate(queries):
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                    plans[index] = cursor.fetchone()[0][0]
    order = sorted(range(len(queries)), key=lambda i: -(plans[i]["Execution Time"] if i in plans else 0))
    for index in order:
        server = f"{plans[index]['Execution Time']:8.2f} ms serveur" if index in plans else " " * 17
        print(f"{server}  {float(queries[index]['time']) * 1000:6.1f} ms client  {queries[index]['sql'][:300]}")
    if plans:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + queries[order[0]]["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json")
    parser.add_argument("--profile", metavar="PAGE")
    parser.add_argument("--queries", metavar="PAGE")
    parser.add_argument("--requests", type=int, default=30, help="requêtes chronométrées par page (0 : aucune)")
    parser.add_argument("--sessions", action="store_true", help="ouvrir des sessions pour le test de charge")
    parser.add_argument("--only", default="", help="ne mesurer que les pages dont le nom contient ce texte")
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile) or 0
    if args.queries:
        return show_queries(args.queries) or 0
    if database_is_empty():
        print(f"La base {connection.settings_dict['NAME']} est vide : lancez d'abord bench/generate.py.", file=sys.stderr)
        return 2
    logged = clients()
    found, skipped = pages(logged[targets.member()])
    results = []
    for page in found:
        if args.only and args.only not in page.key:
            continue
        result = measure(logged[page.user], page, args.requests)
        print(f"  {page.key:<55} {result['queries']:>4} requêtes SQL"
              + (f"  p50 {result['p50_ms']:>8} ms  p95 {result['p95_ms']:>8} ms" if args.requests else ""), flush=True)
        results.append(result)
    output = {"database": database_version(), "python": platform.python_version(), "django": django.get_version(),
              "counts": counts(), "pages": results, "skipped": skipped,
              "sessions": sessions() if args.sessions else {}}
    Path(args.json).write_text(json.dumps(output, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
