"""The benchmark's report: the machine, the table of results, and ``bench/RESULTS.md``."""

import os
import platform
from datetime import datetime
from pathlib import Path

LIST_P95_TARGET_MS = 100
#: Throughput targets (issue 18), as a share of the logged-in floor (``/bench/trivial/session/``: the same
#: server's trivial view for a logged-in user, the fixed cost under every page that needs a login).
FLOOR_TARGETS = {"portal": 0.3, "list": 0.15, "change": 0.05}


def floor_target(page: dict) -> float | None:
    """The page's throughput target against the logged-in floor: portal pages, admin and finance lists,
    admin change pages; none for a file or a job being queued (their own notes say why)."""
    if page["group"] == "portal":
        return FLOOR_TARGETS["portal"]
    if page.get("method", "GET") != "GET":
        return None
    if page["is_list"]:
        return FLOOR_TARGETS["list"]
    if "change" in page["key"]:
        return FLOOR_TARGETS["change"]
    return None
NOTES_MARKER = "<!-- Notes below this line are kept when bench/pages.py rewrites the file. -->"


def machine() -> dict:
    """Return what the figures depend on: CPUs, memory, load, Python."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _fmt(value, suffix="") -> str:
    return "—" if value is None else f"{value}{suffix}"


def rows(small: dict, large: dict, load: dict, trivial_rps: float | None, floor_rps: float | None = None) -> list[dict]:
    """Join the measurements of every page: queries small/large, latency, throughput, and the verdicts."""
    small_by_key = {page["key"]: page for page in small["pages"]}
    result = []
    for page in large["pages"]:
        key = page["key"]
        before = small_by_key.get(key, {}).get("queries")
        row = {"key": key, "status": page["status"], "queries_small": before, "queries_large": page["queries"],
               "sql_ms": page.get("sql_ms"), "cpu": page.get("cpu_p50_ms"), "p50": page.get("p50_ms"), "p95": page.get("p95_ms"), "n": page.get("n"),
               "rps": None, "ratio": None, "floor_ratio": None, "target": floor_target(page), "errors": None,
               "is_list": page["is_list"]}
        row["flat"] = before is not None and before == page["queries"]
        if key in load:
            row["rps"] = round(load[key]["rps"], 1)
            row["errors"] = load[key]["errors"]
            if trivial_rps:
                row["ratio"] = round(load[key]["rps"] / trivial_rps, 2)
            if floor_rps:
                row["floor_ratio"] = round(load[key]["rps"] / floor_rps, 2)
        verdicts = []
        if not row["flat"]:
            verdicts.append("queries grow" if before is not None else "not on small dataset")
        if page["status"] != 200:
            verdicts.append(f"HTTP {page['status']}")
        if row["is_list"] and row["p95"] is not None and row["p95"] >= LIST_P95_TARGET_MS:
            verdicts.append(f"p95 ≥ {LIST_P95_TARGET_MS} ms")
        if row["floor_ratio"] is not None and row["target"] is not None and row["floor_ratio"] < row["target"]:
            verdicts.append(f"throughput < {row['target']:g} × floor")
        if row["errors"]:
            verdicts.append(f"{row['errors']} errors under load")
        row["verdict"] = "; ".join(verdicts) or "ok"
        result.append(row)
    return result


HEADER = ["page", "SQL small", "SQL large", "SQL ms", "CPU ms", "p50 ms", "p95 ms", "req/s", "× trivial", "× floor",
          "target", "verdict"]


def table_lines(table: list[dict]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] + ["---:"] * 10 + ["---"]) + "|"]
    for row in table:
        p95 = _fmt(row["p95"]) + (" (list)" if row["is_list"] else "")
        lines.append("| " + " | ".join([
            row["key"], _fmt(row["queries_small"]), _fmt(row["queries_large"]), _fmt(row["sql_ms"]), _fmt(row["cpu"]), _fmt(row["p50"]),
            p95, _fmt(row["rps"]), _fmt(row["ratio"]), _fmt(row["floor_ratio"]),
            "—" if row["target"] is None else f"≥ {row['target']:g}", row["verdict"],
        ]) + " |")
    return lines


def print_table(table: list[dict], trivial_rps) -> None:
    widths = [max(len(HEADER[0]), *(len(r["key"]) for r in table))] + [9] * 10
    print()
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(HEADER, widths, strict=False)))
          + "  verdict")
    for row in table:
        cells = [row["key"], row["queries_small"], row["queries_large"], row["sql_ms"], row["cpu"], row["p50"], row["p95"],
                 row["rps"], row["ratio"], row["floor_ratio"], row["target"]]
        print("  ".join(_fmt(c).ljust(w) if i == 0 else _fmt(c).rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + "  " + row["verdict"])
    print(f"\ntrivial view: {_fmt(trivial_rps)} req/s")


FLOOR_LABELS = {
    "trivial": "anonymous: no session, no database (`/bench/trivial/`)",
    "session-only": "the session looked up, the user not loaded (`/bench/trivial/session-only/`)",
    "session-no-transaction": "session and user, without the request's transaction (`…/session/no-transaction/`)",
    "session": "session, user and transaction: the logged-in floor (`/bench/trivial/session/`)",
}


def floor_lines(floors: dict | None, trivial) -> list[str]:
    """What a logged-in request costs before its page does anything: each lookup measured on its own."""
    if not floors:
        return []
    lines = ["What the logged-in floor is made of (same server, same run; ms of machine time a request = "
             "cores × 1000 / req/s):", "", "| view | req/s | ms of machine a request |", "|---|---:|---:|"]
    for key, label in FLOOR_LABELS.items():
        if key in floors:
            lines.append(f"| {label} | {floors[key]:.1f} | {(os.cpu_count() or 1) * 1000 / floors[key]:.2f} |")
    return [*lines, ""]


def write_results(path: Path, *, table, small, large, trivial, settings: dict, started: datetime, ended: datetime,
                  loads: tuple[str, str], floors: dict | None = None) -> None:
    info = machine()
    notes = ""
    if path.exists() and NOTES_MARKER in path.read_text():
        notes = path.read_text().split(NOTES_MARKER, 1)[1].strip()
    counts_small, counts_large = small["counts"], large["counts"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/pages.py` on {ended:%Y-%m-%d %H:%M} UTC (run started {started:%H:%M}). "
        "How to run it: README, section « Benchmarks ».",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, `nproc` = {info['nproc']}; memory {info['memory']}; {info['system']}",
        f"- Python {large['python']}, Django {large['django']}, {large['database']} (large dataset), "
        f"{small['database']} (small dataset)",
        f"- Load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[1]}. "
        "The machine is shared: other processes (test suites of other branches) running at the same "
        "time make these figures noisy; compare pages within one run, not across runs.",
        f"- Server: gunicorn, {settings['workers']} sync workers, `bench.settings` (production settings, "
        "HTTPS redirect off, WhiteNoise after `collectstatic`), psycopg pool; "
        f"load: {settings['tool']}, {settings['clients']} concurrent clients, {settings['duration']} s per page, "
        f"loopback. In-process: Django test client, {settings['requests']} warm requests per page "
        "(PDF pages: a sixth of that, at least 3).",
        "",
        "## Datasets",
        "",
        "| model | small | large |",
        "|---|---:|---:|",
        *[f"| {label} | {counts_small.get(label, 0)} | {number} |" for label, number in counts_large.items()],
        "",
        "## Pages",
        "",
        f"Targets: list pages at p95 under {LIST_P95_TARGET_MS} ms in-process on the large dataset; SQL queries "
        "the same on both datasets; throughput against the **logged-in floor** (`/bench/trivial/session/`: the "
        "trivial view for a logged-in user, session, user and transaction, nothing else, the fixed cost under "
        f"every page that needs a login): portal pages ≥ {FLOOR_TARGETS['portal']:g} ×, admin and finance lists "
        f"≥ {FLOOR_TARGETS['list']:g} ×, admin change pages ≥ {FLOOR_TARGETS['change']:g} ×. Trivial view "
        f"(`/bench/trivial/`, same server, same run): {trivial[0]} req/s before the pages, {trivial[1]} req/s "
        f"after (« × trivial » compares with their mean). Logged-in floor: {trivial[2]} req/s"
        + (f", {trivial[2] / ((trivial[0] + trivial[1]) / 2):.2f} × the trivial view." if trivial[0] else "."),
        "",
        *floor_lines(floors, trivial),
        *table_lines(table),
        "",
    ]
    if large.get("skipped"):
        lines += ["Portal URLs found but not measured (no URL of the member answered 200):", ""]
        lines += [f"- `{name}`: {reason}" for name, reason in large["skipped"]]
        lines.append("")
    lines += [NOTES_MARKER, "", notes, ""] if notes else [NOTES_MARKER, ""]
    path.write_text("\n".join(lines))
