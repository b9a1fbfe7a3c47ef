"""Every page and download a user can reach, timed on the large dataset: « no request over 2 s ».

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench_data python bench/walk.py
    python bench/walk.py --limit 2 --per-pattern 2 --json /tmp/walk.json

As each benchmark account (``bench-admin``, ``bench-agent``, ``bench-finance`` and the member whose
portal ``bench/pages.py`` measures), the walker starts from its home page (and, for staff, from
every registered model's list, add and change page), follows every link of every page it opens to
the site's own addresses, and requests each address once with Django's test client in this
process: a page, a PDF, a spreadsheet, a job's page. It keeps ``--per-pattern`` addresses of each
URL pattern (a list and its filtered versions, two agreements' pages), so a slow variant is found
without opening 10,000 agreements. An address slower than ``--limit`` seconds is requested again
(warm) and reported with both times: the target is met when no address takes more than the limit.

The dashboard's computed state (``compliance.snapshot``, a background job and a daily cron) is computed
first, timed apart: the dashboard and the overdue items' page show it.

GET requests only: what a link opens. Links that start work on a GET (an open-data export, a
deliberation's annex) queue a job, which no worker runs here; the page that answers is timed.
"""

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from contextlib import suppress
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()
import logging  # noqa: E402

for _noisy in ("weasyprint", "fontTools", "axes", "django.request"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, Resolver404, resolve, reverse  # noqa: E402

from bench import targets  # noqa: E402
from bench.generate import database_is_empty  # noqa: E402

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HREF = re.compile(r"""<a\b[^>]*?\bhref="([^"#]+)""", re.IGNORECASE)
#: Addresses not to open: leaving the session, and Django's « view on site » redirect.
NEVER = ("/portail/deconnexion/", "/admin/logout/", "/admin/r/")
ACCOUNTS = ("bench-admin", "bench-agent", "bench-finance")


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name or match.route


def staff_starts() -> list[str]:
    starts = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        starts += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            with suppress(NoReverseMatch):
                starts.append(reverse(f"{info}_change", args=[first]))
    return starts


def member_starts() -> list[str]:
    return [reverse("portal:home")]


def timed_get(client: Client, path: str) -> dict:
    connection.queries_log.clear()  # a bounded deque: once full, a count read from it would be 0
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    seconds = time.perf_counter() - started
    return {"status": response.status_code, "seconds": round(seconds, 3), "queries": len(captured.captured_queries),
            "bytes": len(body), "type": response.get("Content-Type", "").split(";")[0],
            "location": response.get("Location", ""), "body": body}


def walk(client: Client, account: str, starts: list[str], *, per_pattern: int, limit: float, within: tuple[str, ...],
         progress) -> list[dict]:
    seen_paths, per_key, results = set(), defaultdict(int), []
    queue = list(starts)
    while queue:
        path = queue.pop(0)
        if path in seen_paths or path.startswith(NEVER):
            continue
        seen_paths.add(path)
        key = pattern_of(urlsplit(path).path)
        if key is None or per_key[key] >= per_pattern:
            continue
        per_key[key] += 1
        result = timed_get(client, path)
        body = result.pop("body")
        if result["seconds"] > limit:  # again, warm: the first may have paid for a cold cache
            again = timed_get(client, path)
            again.pop("body")
            result["warm_seconds"] = again["seconds"]
        results.append({"account": account, "pattern": key, "path": path, **result})
        progress(results[-1])
        if result["type"] == "text/html":
            for href in HREF.findall(body.decode("utf-8", "replace")):
                href = unescape(href)
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.lstrip("/").startswith(within):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen_paths:
                    queue.append(target)
        elif result["status"] in (301, 302) and result["location"].startswith("/"):
            queue.append(result["location"])
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=2.0, help="secondes au-delà desquelles une adresse est signalée")
    parser.add_argument("--per-pattern", type=int, default=2, help="adresses ouvertes par motif d'URL")
    parser.add_argument("--json", help="écrire tous les résultats dans ce fichier")
    args = parser.parse_args(argv)
    if database_is_empty():
        print(f"La base {connection.settings_dict['NAME']} est vide : lancez d'abord bench/generate.py.", file=sys.stderr)
        return 2
    call_command("collectstatic", interactive=False, verbosity=0)  # the production settings' manifest
    # The dashboard's computed state, as the daily cron leaves it (a job: timed here, not a page).
    from compliance.snapshot import snapshot_compute

    started = time.perf_counter()
    snapshot_compute()
    snapshot_seconds = time.perf_counter() - started
    print(f"État du tableau de bord calculé (travail en arrière-plan compliance.snapshot) en {snapshot_seconds:.1f} s")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[*ACCOUNTS, targets.member()])}
    results = []

    def progress(row):
        flag = "  LENT" if row["seconds"] > args.limit else ""
        print(f"{row['seconds']:7.2f} s {row['status']} {row['queries']:4} req. {row['account']:<14} {row['path']}{flag}",
              flush=True)

    started = time.perf_counter()
    for username in [*ACCOUNTS, targets.member()]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[username], backend=MODEL_BACKEND)
        staff = username in ACCOUNTS
        results += walk(client, username, staff_starts() if staff else member_starts(), per_pattern=args.per_pattern,
                        limit=args.limit, within=("admin/",) if staff else ("portail/",), progress=progress)
    elapsed = time.perf_counter() - started
    slow = [r for r in results if min(r["seconds"], r.get("warm_seconds", r["seconds"])) > args.limit]
    errors = [r for r in results if r["status"] >= 500]
    print(f"\n{len(results)} adresses ouvertes ({len({r['pattern'] for r in results})} motifs d'URL) en {elapsed:.0f} s ;"
          f" plus de {args.limit:g} s (à chaud) : {len(slow)} ; erreurs serveur : {len(errors)}")
    print("Les plus lentes :")
    for row in sorted(results, key=lambda r: -r["seconds"])[:25]:
        warm = f" (à chaud {row['warm_seconds']:.2f} s)" if "warm_seconds" in row else ""
        print(f"  {row['seconds']:6.2f} s{warm}  {row['queries']:4} req.  {row['account']:<14} {row['path']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"limit": args.limit, "elapsed": elapsed, "snapshot_seconds": snapshot_seconds,
                                               "results": results}, indent=1))
    return 1 if slow or errors else 0


if __name__ == "__main__":
    sys.exit(main())
