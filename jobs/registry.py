"""The kinds of job: each app registers what its jobs do (``register`` in its ``AppConfig.ready``),
so that ``jobs`` runs them without importing the apps above it.

A kind's ``run(job, progress)`` reads ``job.params``, calls ``progress(done, total)`` as it goes and
returns a ``JobOutput`` (the file made, its download name). Each ``progress`` is the worker's heartbeat:
a kind calls it more often than every ``JOBS_LEASE_SECONDS``, or its job is taken to have lost its worker
and is queued again (``jobs.services.jobs_reclaim``); in a worker whose job was taken back meanwhile,
``progress`` raises ``jobs.services.Superseded`` to stop it. It must be idempotent: a job run again
(« Relancer », a second worker) starts over and makes the same file. A ``ValidationError`` it raises
is shown to the owner as the reason of the failure, a ``PermissionDenied`` as a lack of rights, any
other error as an unexpected one. ``params["return_url"]`` and ``["return_label"]``, when given, link
the job's page back to what it is about.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobOutput:
    content: bytes
    name: str  # the download name, in French: « demandes-de-versement.pdf »


Progress = Callable[[int, int], None]
_KINDS: dict[str, Callable] = {}


def register(kind: str, run: Callable) -> None:
    _KINDS[kind] = run


def runner(kind: str) -> Callable:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"no job kind {kind!r} is registered") from None


def registered() -> set[str]:
    return set(_KINDS)
