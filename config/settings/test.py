"""Settings for the test suite: fast hashing, in-memory email, no secret needed."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")  # noqa: S105

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import BASE_DIR  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False  # enabled by the tests of login throttling
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One folder per pytest-xdist worker: a test that cleans up the files it stored (or that lists
# them) never sees those another worker is writing at the same moment.
_MEDIA = BASE_DIR / ".test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = _MEDIA / "public"
PRIVATE_MEDIA_ROOT = _MEDIA / "private"
_PRIVATE = {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/non-public/"}}
STORAGES = {**STORAGES, "private": _PRIVATE, "import_export": _PRIVATE}  # noqa: F405
# Tests never reach the public directory: they replace its transport (tests/test_directory.py).
DIRECTORY_API_URL = "https://annuaire.test.invalid/search"
# Jobs run at once, in the request, with the same code as in a worker; tests/test_jobs.py puts jobs
# in the database queue ("database") and runs real workers (`db_worker --backend database`) on it.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
         "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
