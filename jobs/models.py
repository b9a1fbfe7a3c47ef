"""A long piece of work run by a worker (``jobs.tasks.run_job``), as its owner follows it: its
progress, then the file it made or the reason it failed, in French."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    kind = models.CharField(_("type"), max_length=60)  # a code of jobs.registry
    label = models.CharField(_("intitulé"), max_length=255)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs",
                              verbose_name=_("demandé par"))
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("fait"), default=0)
    total = models.PositiveIntegerField(_("à faire"), default=0)
    result = models.FileField(_("fichier"), upload_to="jobs/", storage=private_storage, blank=True)
    result_name = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    error = models.TextField(_("motif de l'échec"), blank=True)
    # Every claim by a worker counts one more (never reset: a worker's write is kept only while the
    # job still holds the attempt it claimed); ``retried_after`` is the count when « Relancer » was
    # last used, so that the limit of JOBS_MAX_ATTEMPTS applies to the runs since then.
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    retried_after = models.PositiveSmallIntegerField(_("essais avant la dernière relance"), default=0)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Written by the worker when it claims the job and at each step of its progress: older than
    # JOBS_LEASE_SECONDS while « en cours », the worker is taken to be dead (jobs.services.jobs_reclaim).
    heartbeat_at = models.DateTimeField(_("dernier signe du serveur"), null=True, blank=True)

    class Meta:
        verbose_name = _("travail en arrière-plan")
        verbose_name_plural = _("travaux en arrière-plan")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return self.label

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
