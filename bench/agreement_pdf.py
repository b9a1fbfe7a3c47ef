"""Benchmark: render the seed agreement's PDF several times, from the database to the bytes.

Creates a throw-away test database (SQLite in memory, or ``test_<name>`` on PostgreSQL when
``DATABASE_URL`` is set), loads the demo data, renders once to warm up, then ``--runs`` times,
and prints the median and maximum duration, pages per second and the number of queries.

    .venv/bin/python bench/agreement_pdf.py --runs 20
"""

import argparse
import io
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from conventions.models import Convention  # noqa: E402
from demo.demo import SEED_REFERENCE, load_demo  # noqa: E402
from dossier.printing.agreement import agreement_pdf_render  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="number of timed renders (default 20)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # WeasyPrint's progress messages

    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        with override_settings(DEBUG=True):
            load_demo()
        convention = Convention.objects.get(reference=SEED_REFERENCE)
        with CaptureQueriesContext(connection) as queries:
            content = agreement_pdf_render(convention)  # warm-up: fonts, templates, CSS
        pages = len(PdfReader(io.BytesIO(content)).pages)
        durations, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            agreement_pdf_render(convention)
            durations.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    median = statistics.median(durations)
    print(f"seed agreement {SEED_REFERENCE}: {pages} pages, {len(content):,} bytes, {len(queries)} queries")
    print(f"runs {args.runs}: median {median:.3f} s, max {max(durations):.3f} s, min {min(durations):.3f} s")
    print(f"CPU time of this process: median {statistics.median(cpu):.3f} s (what the machine's load does not inflate)")
    print(f"pages per second (median): {pages / median:.1f}")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
