"""Generate a large, realistic dataset for the benchmarks (``bench/pages.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_bench_data python bench/generate.py
    python bench/generate.py --associations 20          # a small dataset, same shape

At full size: 1,000 associations, 10,000 agreements over ten years in every state, 300,000
forecast budget lines (30 per budget, balanced on the Cerfa chart), actual budgets mirroring
them for agreements in justification or closed, indicator reports with their values, payment
requests in every state, recoveries, amendments and the documents owed. The same seed gives
the same data. The database must be empty of associations and agreements: the script refuses
otherwise (it migrates first, so a fresh database is fine).

Rows are written with ``bulk_create`` in batches, association by association in chunks, each
chunk in one transaction. The audit trail is NOT written (no historical rows) unless
``--history`` is given, which uses ``bulk_create_with_history`` and roughly doubles the time.
"""

import argparse
import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the project importable and configure Django
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import logging

    import django

    django.setup()
    for noisy in ("weasyprint", "fontTools", "axes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

from bench.rows import ChunkWriter, CommonData, common_data  # noqa: E402


class GenerationRefused(RuntimeError):
    """Raised when the database already holds associations or agreements."""


def database_is_empty() -> bool:
    from beneficiaries.models import Beneficiary
    from conventions.models import Convention

    return not (Beneficiary.objects.exists() or Convention.objects.exists())


def generate(*, associations: int = 1000, lines_per_budget: int = 30, seed: int = 42, chunk: int = 50,
             batch_size: int = 2000, with_history: bool = False, progress=print) -> dict[str, int]:
    """Fill the (empty) database and return the number of rows of each model.

    Each association gets one agreement per year of ``bench.plans.YEARS`` (ten), so
    ``associations`` × 10 agreements and ``associations`` × 10 × ``lines_per_budget`` forecast lines.
    """
    if not database_is_empty():
        raise GenerationRefused(
            "La base contient déjà des associations ou des conventions : le générateur ne complète pas "
            "une base existante. Utilisez une base vide (createdb …) ou supprimez-la d'abord."
        )
    started = time.monotonic()
    common: CommonData = common_data(seed=seed)
    writer = ChunkWriter(common=common, seed=seed, lines_per_budget=lines_per_budget, batch_size=batch_size,
                         with_history=with_history)
    for first in range(1, associations + 1, chunk):
        numbers = range(first, min(first + chunk, associations + 1))
        writer.write(numbers)
        elapsed = time.monotonic() - started
        done = numbers[-1]
        rate = done / elapsed if elapsed else 0
        progress(f"  {done:>6}/{associations} associations · {writer.totals['conventions']:>7} conventions · "
                 f"{writer.totals['budget_lines']:>8} lignes budgétaires · {elapsed:6.1f} s "
                 f"(reste ≈ {(associations - done) / rate if rate else 0:4.0f} s)")
    return counts()


def counts() -> dict[str, int]:
    """Return the number of rows of every domain model."""
    from django.apps import apps

    result = {}
    for app in ("beneficiaries", "conventions", "budgets", "indicators", "documents", "finance", "compliance"):
        for model in apps.get_app_config(app).get_models():
            if not model.__name__.startswith("Historical"):
                result[model._meta.label] = model.objects.count()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Génère un jeu de données réaliste pour les bancs d'essai.")
    parser.add_argument("--associations", type=int, default=1000, help="nombre d'associations (10 conventions chacune)")
    parser.add_argument("--lines-per-budget", type=int, default=30, help="lignes par budget prévisionnel")
    parser.add_argument("--seed", type=int, default=42, help="graine : même graine, mêmes données")
    parser.add_argument("--chunk", type=int, default=50, help="associations écrites par transaction")
    parser.add_argument("--batch-size", type=int, default=2000, help="lignes par INSERT")
    parser.add_argument("--history", action="store_true", help="écrire aussi l'historique (plus lent)")
    parser.add_argument("--no-migrate", action="store_true", help="ne pas appliquer les migrations d'abord")
    args = parser.parse_args(argv)

    from django.core.management import call_command
    from django.db import connection

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    print(f"Base : {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.monotonic()
    try:
        result = generate(associations=args.associations, lines_per_budget=args.lines_per_budget, seed=args.seed,
                          chunk=args.chunk, batch_size=args.batch_size, with_history=args.history)
    except GenerationRefused as refusal:
        print(refusal, file=sys.stderr)
        return 2
    elapsed = time.monotonic() - started
    if connection.vendor == "postgresql":
        # What autovacuum would do on a live database: statistics for the planner, and the
        # visibility map that lets index-only scans skip the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print("\nLignes créées :")
    for label, number in result.items():
        print(f"  {label:<36} {number:>9}")
    print(f"\nDurée : {elapsed:.1f} s ({'avec' if args.history else 'sans'} historique)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
