"""Compute the state the dashboard and the overdue items' page show: ``python manage.py compliance_snapshot``
(daily from cron, after ``send_reminders``)."""

from django.core.management.base import BaseCommand

from compliance.snapshot import SNAPSHOTS_KEPT, snapshot_compute, snapshot_read
from core.dates import french_datetime


class Command(BaseCommand):
    help = (
        "Calcule les échéances dépassées, la dépendance des associations et le résumé des données ouvertes "
        "que montrent le tableau de bord et la liste des échéances dépassées, et les enregistre "
        f"(seuls les {SNAPSHOTS_KEPT} derniers calculs sont gardés). À lancer chaque jour par cron, après "
        "send_reminders ; les agents peuvent aussi recalculer depuis ces pages."
    )

    def handle(self, *args, **options):
        snapshot = snapshot_read(snapshot_compute())
        self.stdout.write(f"État calculé le {french_datetime(snapshot.computed_at)} : "
                          f"{len(snapshot.overdue)} échéance(s) dépassée(s), "
                          f"{len(snapshot.dependencies)} convention(s) dans la dépendance, "
                          f"{snapshot.scdl_rows} ligne(s) de données ouvertes, "
                          f"{len(snapshot.scdl_problems)} convention(s) signée(s) absente(s) faute de données.")
